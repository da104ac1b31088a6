// DER building blocks on node-forge's ASN.1 module. node-forge's own certificate builder only knows
// RSA (its signer hard-codes sha*WithRSAEncryption and it cannot read EC keys), so the PKI lays out
// certificates and CSRs from these pieces for every key type and leaves the signature to the
// injected key capability. Byte data is held as forge's binary strings inside the PKI and crosses
// its boundary as Uint8Array; the conversions (and base64, hex, UTF-8, SHA-1) are in ../bytes.ts.
import asn1, { type Asn1 } from "node-forge/lib/asn1.js";
import { base64, fromBase64, utf8Bytes } from "../bytes.js";

export type { Asn1 };

const { Class, Type } = asn1;

export const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  prime256v1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  extensionRequest: "1.2.840.113549.1.9.14",
} as const;

export function sequence(children: Asn1[]): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, children);
}

export function set(children: Asn1[]): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SET, true, children);
}

export function oid(dotted: string): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(dotted).getBytes());
}

export function nullValue(): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.NULL, false, "");
}

export function boolean(value: boolean): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, value ? "\xff" : "\x00");
}

/** A non-negative INTEGER from big-endian bytes, minimal as DER requires. */
export function unsignedInteger(bytes: string): Asn1 {
  let start = 0;
  while (start < bytes.length - 1 && bytes.charCodeAt(start) === 0) start += 1;
  let minimal = bytes.slice(start);
  if (minimal.charCodeAt(0) & 0x80) minimal = "\x00" + minimal;
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, minimal);
}

export function smallInteger(value: number): Asn1 {
  return unsignedInteger(String.fromCharCode(value));
}

export function utf8(text: string): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.UTF8, false, utf8Bytes(text));
}

export function octetString(bytes: string): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes);
}

/** A BIT STRING; `unusedBits` of the last byte are padding (named-bit lists such as key usage). */
export function bitString(bytes: string, unusedBits = 0): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(unusedBits) + bytes);
}

export function contextTag(tag: number, constructed: boolean, value: string | Asn1[]): Asn1 {
  return asn1.create(Class.CONTEXT_SPECIFIC, tag, constructed, value);
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

export function readTime(node: Asn1): Date {
  const text = primitive(node);
  return node.type === Type.UTCTIME ? asn1.utcTimeToDate(text) : asn1.generalizedTimeToDate(text);
}

export function toDer(node: Asn1): string {
  return asn1.toDer(node).getBytes();
}

/** Parses DER; BIT STRING contents stay raw (forge would otherwise guess at nested ASN.1). */
export function fromDer(bytes: string): Asn1 {
  return asn1.fromDer(bytes, { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

export function children(node: Asn1 | undefined, what: string): Asn1[] {
  if (node === undefined || !Array.isArray(node.value))
    throw new DerError(`${what} is not a constructed value`);
  return node.value;
}

export function primitive(node: Asn1 | undefined): string {
  if (node === undefined || typeof node.value !== "string") throw new DerError("expected a primitive value");
  return node.value;
}

export function readOid(node: Asn1 | undefined): string {
  if (node?.type !== Type.OID) throw new DerError("expected an object identifier");
  return asn1.derToOid(primitive(node));
}

/** The contents of a BIT STRING without its unused-bits byte. */
export function readBitString(node: Asn1 | undefined): string {
  if (node?.type !== Type.BITSTRING) throw new DerError("expected a BIT STRING");
  return primitive(node).slice(1);
}

/** Big-endian magnitude of an INTEGER, without the sign-padding zero. */
export function readUnsigned(node: Asn1 | undefined): string {
  if (node?.type !== Type.INTEGER) throw new DerError("expected an INTEGER");
  const bytes = primitive(node);
  return bytes.length > 1 && bytes.charCodeAt(0) === 0 ? bytes.slice(1) : bytes;
}

export const TAG = Type;
export const CLASS = Class;

/** Structurally invalid DER where a certificate or key was expected. */
export class DerError extends Error {
  override readonly name = "DerError";
}

/** PEM with LF line endings and 64-column base64, as OpenSSL writes it. */
export function pemEncode(label: string, der: string): string {
  const encoded = base64(der);
  const lines: string[] = [];
  for (let offset = 0; offset < encoded.length; offset += 64) lines.push(encoded.slice(offset, offset + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  readonly label: string;
  readonly der: string;
}

/** A PEM block: its label, then its base64 body. */
export const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in the text, in order. */
export function pemDecode(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const body = (match[2] ?? "").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new DerError(`the ${match[1]} block is not valid base64`);
    blocks.push({ label: match[1] ?? "", der: fromBase64(body) });
  }
  return blocks;
}
