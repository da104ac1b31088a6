// X.509 certificates and PKCS#10 requests: laid out as DER here, signed by the key capability, and
// read back for reuse checks. The extensions follow what Go's crypto/x509 (and so kubeadm) writes:
// critical basic constraints and key usage, extended key usage, SANs, subject and authority key IDs.
import { binaryHex, fromUint8Array, sha1Bytes, toUint8Array, utf8Text } from "../bytes.js";
import { formatIp, parseIp } from "../net/ip.js";
import {
  bitString,
  boolean,
  children,
  contextTag,
  DerError,
  fromDer,
  octetString,
  oid,
  OID,
  nullValue,
  primitive,
  readBitString,
  readOid,
  readTime,
  readUnsigned,
  sequence,
  set,
  smallInteger,
  TAG,
  CLASS,
  time,
  toDer,
  unsignedInteger,
  utf8,
  type Asn1,
} from "./der.js";
import { digestFor, signatureAlgorithmOid, type KeyAlgorithm, type KeyCapability } from "./keys.js";

export type KeyUsage = "digitalSignature" | "keyEncipherment" | "keyCertSign" | "cRLSign";
export type ExtendedKeyUsage = "serverAuth" | "clientAuth";

const KEY_USAGE_BITS: Readonly<Record<KeyUsage, number>> = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
};

export interface SubjectNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
}

export interface DistinguishedName {
  readonly commonName: string;
  readonly organizations: readonly string[];
}

export interface CertificateTemplate {
  /** Big-endian serial bytes (binary string); made positive and minimal on encoding. */
  readonly serial: string;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key. */
  readonly publicKeyInfo: string;
  readonly isCA: boolean;
  readonly keyUsage: readonly KeyUsage[];
  readonly extendedKeyUsage: readonly ExtendedKeyUsage[];
  readonly subjectNames: SubjectNames;
}

export interface Signer {
  /** DER Name of the signer, copied byte for byte into the issuer field (self-signed: undefined). */
  readonly subjectName?: string;
  /** The signer's subject key identifier, for the authority key identifier extension. */
  readonly keyIdentifier?: string;
  readonly privateKeyPem: string;
  readonly keyAlgorithm: KeyAlgorithm;
}

export function encodeName(name: DistinguishedName): string {
  const attribute = (type: string, value: string): Asn1 => set([sequence([oid(type), utf8(value)])]);
  // Go orders O before CN, so `openssl x509 -subject` reads "O = system:nodes, CN = system:node:x".
  return toDer(
    sequence([
      ...name.organizations.map((organization) => attribute(OID.organization, organization)),
      attribute(OID.commonName, name.commonName),
    ]),
  );
}

/** Go's choice of subject key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 (1)). */
export function keyIdentifier(publicKeyInfo: string): string {
  const [, subjectPublicKey] = children(fromDer(publicKeyInfo), "SubjectPublicKeyInfo");
  return sha1Bytes(readBitString(subjectPublicKey));
}

function extension(type: string, critical: boolean, value: Asn1): Asn1 {
  return sequence([oid(type), ...(critical ? [boolean(true)] : []), octetString(toDer(value))]);
}

function keyUsageValue(usages: readonly KeyUsage[]): Asn1 {
  let bits = 0;
  for (const usage of usages) bits |= 0x80 >> KEY_USAGE_BITS[usage];
  let unused = 0;
  while (unused < 7 && (bits & (1 << unused)) === 0) unused += 1;
  return bitString(String.fromCharCode(bits), unused);
}

function ipBytes(text: string): string {
  const parsed = parseIp(text);
  if (parsed === undefined) throw new DerError(`"${text}" is not an IP address`);
  const length = parsed.family === "ipv4" ? 4 : 16;
  let out = "";
  for (let index = length - 1; index >= 0; index -= 1) {
    out += String.fromCharCode(Number((parsed.value >> BigInt(index * 8)) & 0xffn));
  }
  return out;
}

function subjectAltNames(names: SubjectNames): Asn1 {
  return sequence([
    ...names.dns.map((name) => contextTag(2, false, name)),
    ...names.ip.map((address) => contextTag(7, false, ipBytes(address))),
  ]);
}

function extensions(template: CertificateTemplate, authorityKeyId: string | undefined): Asn1[] {
  const list: Asn1[] = [extension(OID.keyUsage, true, keyUsageValue(template.keyUsage))];
  if (template.extendedKeyUsage.length > 0) {
    list.push(
      extension(OID.extKeyUsage, false, sequence(template.extendedKeyUsage.map((usage) => oid(OID[usage])))),
    );
  }
  list.push(extension(OID.basicConstraints, true, sequence(template.isCA ? [boolean(true)] : [])));
  list.push(extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(template.publicKeyInfo))));
  if (authorityKeyId !== undefined) {
    list.push(extension(OID.authorityKeyIdentifier, false, sequence([contextTag(0, false, authorityKeyId)])));
  }
  if (template.subjectNames.dns.length + template.subjectNames.ip.length > 0) {
    list.push(extension(OID.subjectAltName, false, subjectAltNames(template.subjectNames)));
  }
  return list;
}

function algorithmIdentifier(keyAlgorithm: KeyAlgorithm): Asn1 {
  const signatureOid = signatureAlgorithmOid(keyAlgorithm);
  // RFC 4055 wants NULL parameters for RSA; RFC 5758 wants them absent for ECDSA.
  return sequence(
    signatureOid === OID.sha256WithRSAEncryption ? [oid(signatureOid), nullValue()] : [oid(signatureOid)],
  );
}

async function signed(body: string, signer: Signer, keys: KeyCapability): Promise<string> {
  const signature = await keys.sign(signer.privateKeyPem, digestFor(signer.keyAlgorithm), toUint8Array(body));
  return toDer(
    sequence([fromDer(body), algorithmIdentifier(signer.keyAlgorithm), bitString(fromUint8Array(signature))]),
  );
}

/** Builds and signs a v3 certificate; returns its DER. */
export async function issueCertificate(
  template: CertificateTemplate,
  signer: Signer,
  keys: KeyCapability,
): Promise<string> {
  const subject = encodeName(template.subject);
  const issuer = signer.subjectName ?? subject;
  const tbs = sequence([
    contextTag(0, true, [smallInteger(2)]),
    unsignedInteger(template.serial),
    algorithmIdentifier(signer.keyAlgorithm),
    fromDer(issuer),
    sequence([time(template.notBefore), time(template.notAfter)]),
    fromDer(subject),
    fromDer(template.publicKeyInfo),
    contextTag(3, true, [sequence(extensions(template, signer.keyIdentifier))]),
  ]);
  return signed(toDer(tbs), signer, keys);
}

/**
 * The part of a PKCS#10 request its key signs (CertificationRequestInfo, DER): the template's
 * subject, public key and extensions. It holds no serial and no time, so the same template always
 * gives the same bytes.
 */
export function certificateRequestInfo(template: CertificateTemplate): string {
  const extensionRequest = sequence([
    oid(OID.extensionRequest),
    set([sequence(extensions(template, undefined))]),
  ]);
  return toDer(
    sequence([
      smallInteger(0),
      fromDer(encodeName(template.subject)),
      fromDer(template.publicKeyInfo),
      contextTag(0, true, [extensionRequest]),
    ]),
  );
}

/** The CertificationRequestInfo (DER) of a PKCS#10 request, or undefined when it is not one. */
export function requestInfoOf(requestDer: string): string | undefined {
  try {
    const info = children(fromDer(requestDer), "a certificate request")[0];
    return info === undefined ? undefined : toDer(info);
  } catch {
    return undefined;
  }
}

/** Builds a PKCS#10 request carrying the template's subject and extensions, signed by its own key. */
export async function createCertificateRequest(
  template: CertificateTemplate,
  privateKeyPem: string,
  keyAlgorithm: KeyAlgorithm,
  keys: KeyCapability,
): Promise<string> {
  return signed(certificateRequestInfo(template), { privateKeyPem, keyAlgorithm }, keys);
}

export interface ParsedCertificate {
  readonly der: string;
  readonly serialHex: string;
  readonly subject: DistinguishedName;
  readonly subjectName: string;
  readonly issuerName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKeyInfo: string;
  readonly isCA: boolean;
  readonly keyUsage: readonly KeyUsage[] | undefined;
  readonly extendedKeyUsage: readonly ExtendedKeyUsage[];
  readonly subjectNames: SubjectNames;
  readonly subjectKeyIdentifier: string | undefined;
  readonly authorityKeyIdentifier: string | undefined;
}

function readName(name: Asn1): DistinguishedName {
  let commonName = "";
  const organizations: string[] = [];
  for (const rdn of children(name, "Name")) {
    for (const attribute of children(rdn, "RelativeDistinguishedName")) {
      const [type, value] = children(attribute, "AttributeTypeAndValue");
      const text = value?.type === TAG.UTF8 ? utf8Text(primitive(value)) : primitive(value);
      const attributeType = readOid(type);
      if (attributeType === OID.commonName) commonName = text;
      if (attributeType === OID.organization) organizations.push(text);
    }
  }
  return { commonName, organizations };
}

function formatIpBytes(bytes: string): string {
  let value = 0n;
  for (let index = 0; index < bytes.length; index += 1)
    value = (value << 8n) | BigInt(bytes.charCodeAt(index));
  return formatIp(value, bytes.length === 4 ? "ipv4" : "ipv6");
}

const EXTENDED_USAGE_NAMES: Readonly<Record<string, ExtendedKeyUsage>> = {
  [OID.serverAuth]: "serverAuth",
  [OID.clientAuth]: "clientAuth",
};

/** Reads a DER certificate. Throws DerError when it is not one. */
export function parseCertificate(der: string): ParsedCertificate {
  const [tbs] = children(fromDer(der), "Certificate");
  const fields = children(tbs, "TBSCertificate");
  const offset = fields[0]?.tagClass === CLASS.CONTEXT_SPECIFIC ? 1 : 0;
  const [serial, , issuer, validity, subject, publicKeyInfo, ...optional] = fields.slice(offset);
  if (issuer === undefined || subject === undefined || publicKeyInfo === undefined) {
    throw new DerError("the certificate is truncated");
  }
  const [notBefore, notAfter] = children(validity, "Validity");
  if (notBefore === undefined || notAfter === undefined)
    throw new DerError("the certificate has no validity");
  let isCA = false;
  let keyUsage: KeyUsage[] | undefined;
  const extendedKeyUsage: ExtendedKeyUsage[] = [];
  const dns: string[] = [];
  const ip: string[] = [];
  let subjectKeyIdentifier: string | undefined;
  let authorityKeyIdentifier: string | undefined;
  const extensionList = optional.find((node) => node.tagClass === CLASS.CONTEXT_SPECIFIC && node.type === 3);
  for (const entry of extensionList ? children(children(extensionList, "extensions")[0], "Extensions") : []) {
    const parts = children(entry, "Extension");
    const type = readOid(parts[0]);
    const value = fromDer(primitive(parts[parts.length - 1]));
    if (type === OID.basicConstraints) {
      const first = children(value, "BasicConstraints")[0];
      isCA = first?.type === TAG.BOOLEAN && primitive(first) !== "\x00";
    } else if (type === OID.keyUsage) {
      const bytes = primitive(value);
      const bits = (bytes.charCodeAt(1) << 8) | bytes.charCodeAt(2);
      keyUsage = (Object.keys(KEY_USAGE_BITS) as KeyUsage[]).filter(
        (usage) => (bits & (0x8000 >> KEY_USAGE_BITS[usage])) !== 0,
      );
    } else if (type === OID.extKeyUsage) {
      for (const usage of children(value, "ExtKeyUsage")) {
        const name = EXTENDED_USAGE_NAMES[readOid(usage)];
        if (name !== undefined) extendedKeyUsage.push(name);
      }
    } else if (type === OID.subjectAltName) {
      for (const name of children(value, "GeneralNames")) {
        if (name.type === 2) dns.push(primitive(name));
        if (name.type === 7) ip.push(formatIpBytes(primitive(name)));
      }
    } else if (type === OID.subjectKeyIdentifier) {
      subjectKeyIdentifier = primitive(value);
    } else if (type === OID.authorityKeyIdentifier) {
      const keyId = children(value, "AuthorityKeyIdentifier").find((node) => node.type === 0);
      if (keyId) authorityKeyIdentifier = primitive(keyId);
    }
  }
  return {
    der,
    serialHex: binaryHex(readUnsigned(serial)),
    subject: readName(subject),
    subjectName: toDer(subject),
    issuerName: toDer(issuer),
    notBefore: readTime(notBefore),
    notAfter: readTime(notAfter),
    publicKeyInfo: toDer(publicKeyInfo),
    isCA,
    keyUsage,
    extendedKeyUsage,
    subjectNames: { dns, ip },
    subjectKeyIdentifier,
    authorityKeyIdentifier,
  };
}
