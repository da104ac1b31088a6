// The part of node-forge the PKI uses: DER encoding and decoding, and SHA-1 (key identifiers). Declared here
// instead of taking @types/node-forge, whose `/// <reference types="node" />` would bring all of
// Node's globals into the pure core's compilation. The deep imports also load only these
// modules, not forge's TLS, ciphers and pure-JS RSA.

declare module "node-forge/lib/asn1.js" {
  interface ByteStringBuffer {
    getBytes(): string;
    length(): number;
  }
  interface Asn1 {
    tagClass: number;
    type: number;
    constructed: boolean;
    composed: boolean;
    /** Binary string for primitive values, child nodes for constructed ones. */
    value: string | Asn1[];
    bitStringContents?: string;
  }
  interface FromDerOptions {
    strict?: boolean;
    parseAllBytes?: boolean;
    decodeBitStrings?: boolean;
  }
  const asn1: {
    Class: { UNIVERSAL: number; APPLICATION: number; CONTEXT_SPECIFIC: number; PRIVATE: number };
    Type: {
      BOOLEAN: number;
      INTEGER: number;
      BITSTRING: number;
      OCTETSTRING: number;
      NULL: number;
      OID: number;
      UTF8: number;
      SEQUENCE: number;
      SET: number;
      PRINTABLESTRING: number;
      IA5STRING: number;
      UTCTIME: number;
      GENERALIZEDTIME: number;
    };
    create(tagClass: number, type: number, constructed: boolean, value: string | Asn1[]): Asn1;
    toDer(node: Asn1): ByteStringBuffer;
    fromDer(bytes: string, options?: FromDerOptions): Asn1;
    oidToDer(oid: string): ByteStringBuffer;
    derToOid(bytes: string): string;
    dateToUtcTime(date: Date): string;
    dateToGeneralizedTime(date: Date): string;
    utcTimeToDate(text: string): Date;
    generalizedTimeToDate(text: string): Date;
  };
  export type { Asn1 };
  export default asn1;
}

declare module "node-forge/lib/util.js" {
  const util: {
    encode64(bytes: string): string;
    decode64(text: string): string;
    bytesToHex(bytes: string): string;
    encodeUtf8(text: string): string;
    decodeUtf8(bytes: string): string;
  };
  export default util;
}

declare module "node-forge/lib/sha1.js" {
  interface MessageDigest {
    update(bytes: string, encoding?: "raw" | "utf8"): MessageDigest;
    digest(): { getBytes(): string; toHex(): string };
  }
  const sha1: { create(): MessageDigest };
  export default sha1;
}
