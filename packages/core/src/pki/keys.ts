// Keys: the algorithms kubescratch issues, the injected capability that makes and uses them, and a
// pure reader that gets a private key's algorithm and public key out of its PEM.
import {
  bitString,
  children,
  DerError,
  fromDer,
  nullValue,
  oid,
  OID,
  pemDecode,
  primitive,
  readBitString,
  readOid,
  readUnsigned,
  sequence,
  TAG,
  CLASS,
  toDer,
  unsignedInteger,
} from "./der.js";

export type KeyAlgorithm = "rsa-2048" | "rsa-3072" | "rsa-4096" | "ecdsa-p256" | "ecdsa-p384";

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = [
  "rsa-2048",
  "rsa-3072",
  "rsa-4096",
  "ecdsa-p256",
  "ecdsa-p384",
];

export type SignatureDigest = "sha256" | "sha384";

/**
 * Key generation and signing, supplied by the caller so the core stays pure: `@kubescratch/core/node`
 * provides Node's native crypto; tests supply pre-made keys. The core calls `generateKeyPair` for many
 * keys at once and awaits them together, so an asynchronous implementation keeps every core busy.
 */
export interface KeyCapability {
  /**
   * A new private key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"); EC keys must include their public
   * point, as OpenSSL and Node write them. `label` names the credential (e.g. "etcd-peer/node-1"):
   * a deterministic provider may use it; others ignore it.
   */
  generateKeyPair(algorithm: KeyAlgorithm, label: string): Promise<string>;
  /**
   * Signs `data` with the key: RSASSA-PKCS1-v1_5 for RSA keys, ECDSA with a DER-encoded (r, s)
   * signature for EC keys, over the given digest. Keys arrive as PKCS#8, PKCS#1 or SEC1 PEM.
   */
  sign(privateKeyPem: string, digest: SignatureDigest, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** What the PKI needs to know about a private key, read without any crypto. */
export interface PrivateKeyInfo {
  readonly algorithm: KeyAlgorithm;
  /** DER SubjectPublicKeyInfo of the matching public key (binary string). */
  readonly publicKeyInfo: string;
}

const RSA_SIZES: Readonly<Record<number, KeyAlgorithm>> = {
  2048: "rsa-2048",
  3072: "rsa-3072",
  4096: "rsa-4096",
};
const CURVES: Readonly<Record<string, KeyAlgorithm>> = {
  [OID.prime256v1]: "ecdsa-p256",
  [OID.secp384r1]: "ecdsa-p384",
};

export function isRsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith("rsa-");
}

/** The digest Go and OpenSSL pair with the key: SHA-384 for P-384, SHA-256 otherwise. */
export function digestFor(algorithm: KeyAlgorithm): SignatureDigest {
  return algorithm === "ecdsa-p384" ? "sha384" : "sha256";
}

export function signatureAlgorithmOid(algorithm: KeyAlgorithm): string {
  if (isRsa(algorithm)) return OID.sha256WithRSAEncryption;
  return algorithm === "ecdsa-p384" ? OID.ecdsaWithSHA384 : OID.ecdsaWithSHA256;
}

/**
 * Reads a PEM private key (PKCS#8, PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY"). Throws
 * DerError with a readable reason for anything else, including encrypted keys.
 */
export function readPrivateKey(pem: string): PrivateKeyInfo {
  const blocks = pemDecode(pem).filter((block) => block.label.endsWith("PRIVATE KEY"));
  const block = blocks[0];
  if (block === undefined) throw new DerError("no PEM private key block was found");
  if (blocks.length > 1) throw new DerError("more than one private key block was found");
  if (block.label === "ENCRYPTED PRIVATE KEY") {
    throw new DerError("the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.key)");
  }
  const root = fromDer(block.der);
  if (block.label === "RSA PRIVATE KEY") return rsaKeyInfo(root);
  if (block.label === "EC PRIVATE KEY") return ecKeyInfo(root, undefined);
  if (block.label !== "PRIVATE KEY") throw new DerError(`unsupported key block "${block.label}"`);
  const [, algorithmIdentifier, privateKey] = children(root, "PrivateKeyInfo");
  const [algorithmOid, parameters] = children(algorithmIdentifier, "AlgorithmIdentifier");
  const keyType = readOid(algorithmOid);
  const inner = fromDer(primitive(privateKey));
  if (keyType === OID.rsaEncryption) return rsaKeyInfo(inner);
  if (keyType === OID.ecPublicKey) return ecKeyInfo(inner, readOid(parameters));
  throw new DerError(`unsupported key type ${keyType}; use RSA (2048, 3072, 4096) or ECDSA (P-256, P-384)`);
}

function rsaKeyInfo(rsaPrivateKey: ReturnType<typeof fromDer>): PrivateKeyInfo {
  const [, modulus, exponent] = children(rsaPrivateKey, "RSAPrivateKey");
  const n = readUnsigned(modulus);
  const bits = n.length * 8 - Math.clz32(n.charCodeAt(0)) + 24;
  const algorithm = RSA_SIZES[bits];
  if (algorithm === undefined)
    throw new DerError(`RSA keys of ${bits} bits are not supported; use 2048, 3072 or 4096`);
  const publicKey = toDer(sequence([unsignedInteger(n), unsignedInteger(readUnsigned(exponent))]));
  const publicKeyInfo = toDer(
    sequence([sequence([oid(OID.rsaEncryption), nullValue()]), bitString(publicKey)]),
  );
  return { algorithm, publicKeyInfo };
}

function ecKeyInfo(
  ecPrivateKey: ReturnType<typeof fromDer>,
  curveFromPkcs8: string | undefined,
): PrivateKeyInfo {
  const fields = children(ecPrivateKey, "ECPrivateKey");
  let curve = curveFromPkcs8;
  let point: string | undefined;
  for (const field of fields.slice(2)) {
    if (field.tagClass !== CLASS.CONTEXT_SPECIFIC) continue;
    const [value] = children(field, "ECPrivateKey field");
    if (field.type === 0) curve ??= readOid(value);
    if (field.type === 1 && value?.type === TAG.BITSTRING) point = readBitString(value);
  }
  const algorithm = curve === undefined ? undefined : CURVES[curve];
  if (curve === undefined || algorithm === undefined) {
    throw new DerError("unsupported elliptic curve; use P-256 (prime256v1) or P-384 (secp384r1)");
  }
  if (point === undefined) {
    throw new DerError(
      "the EC key does not carry its public key; re-export it (openssl pkey -in KEY -out KEY2)",
    );
  }
  const publicKeyInfo = toDer(sequence([sequence([oid(OID.ecPublicKey), oid(curve)]), bitString(point)]));
  return { algorithm, publicKeyInfo };
}

/** The key algorithm named by a SubjectPublicKeyInfo (e.g. from a certificate). */
export function publicKeyAlgorithm(publicKeyInfo: string): KeyAlgorithm | undefined {
  const [algorithmIdentifier, key] = children(fromDer(publicKeyInfo), "SubjectPublicKeyInfo");
  const [algorithmOid, parameters] = children(algorithmIdentifier, "AlgorithmIdentifier");
  const keyType = readOid(algorithmOid);
  if (keyType === OID.ecPublicKey) return CURVES[readOid(parameters)];
  if (keyType !== OID.rsaEncryption) return undefined;
  const [modulus] = children(fromDer(readBitString(key)), "RSAPublicKey");
  const n = readUnsigned(modulus);
  return RSA_SIZES[n.length * 8 - Math.clz32(n.charCodeAt(0)) + 24];
}
