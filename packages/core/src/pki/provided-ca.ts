// Bring your own cluster CA (anchors.md §7.3): the certificate, and unless the CA is external, its
// key. Checked before anything is issued: a CA, usable for signing, valid now, outliving the leaves
// that will be issued today, and its key the one the certificate names.
import { DAY_MS, day } from "./time.js";
import { SpecError } from "../validation/errors.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import { DerError, PEM_BLOCK, pemDecode, pemEncode } from "./der.js";
import { publicKeyAlgorithm, readPrivateKey, type KeyAlgorithm, type PrivateKeyInfo } from "./keys.js";
import { parseCertificate, type ParsedCertificate } from "./x509.js";

export interface ProvidedCa {
  readonly certificatePem: string;
  readonly parsed: ParsedCertificate;
  readonly keyAlgorithm: KeyAlgorithm;
  /** Absent for an external CA: kubescratch then writes requests for the user to sign. */
  readonly privateKeyPem?: string;
}

/**
 * The CA the spec brings, or undefined when kubescratch generates its own. `files` holds the
 * contents of certificateFile / keyFile, which the caller (the CLI) reads.
 */
export function providedCa(
  spec: ClusterSpec,
  now: Date,
  files: Readonly<Record<string, string>>,
): ProvidedCa | undefined {
  const ca = spec.security.ca;
  if (ca === undefined) return undefined;
  const fail = (pointer: string, message: string, fix: string): SpecError =>
    new SpecError([{ severity: "error", pointer, message, fix }]);

  const certificateSource = source(ca.certificate, ca.certificateFile, "certificate", files);
  const keySource = source(ca.key, ca.keyFile, "key", files);
  if (certificateSource === undefined) {
    throw fail(
      "/security/ca",
      "a CA key is given without its certificate.",
      "Add certificate (PEM) or certificateFile.",
    );
  }
  if ("missing" in certificateSource)
    throw fail(certificateSource.pointer, certificateSource.missing, certificateSource.fix);
  if (keySource !== undefined && "missing" in keySource)
    throw fail(keySource.pointer, keySource.missing, keySource.fix);

  const extraCertificate = beyondOneBlock(certificateSource.text);
  if (extraCertificate)
    throw fail(
      certificateSource.pointer,
      `holds ${extraCertificate}: it is copied into every ca.crt and kubeconfig, where every certificate in it is trusted to sign clients.`,
      "Give only the CA's own certificate: one -----BEGIN CERTIFICATE----- block, nothing around it.",
    );
  let parsed: ParsedCertificate;
  let certificatePem: string;
  try {
    const block = pemDecode(certificateSource.text).find((entry) => entry.label === "CERTIFICATE");
    if (block === undefined) throw new DerError("no CERTIFICATE block was found");
    parsed = parseCertificate(block.der);
    certificatePem = pemEncode("CERTIFICATE", block.der);
  } catch (caught) {
    throw fail(
      certificateSource.pointer,
      `is not a readable PEM certificate (${caught instanceof Error ? caught.message : String(caught)}).`,
      "Give the CA certificate in PEM form (openssl x509 -in CA -outform PEM).",
    );
  }
  const keyAlgorithm = publicKeyAlgorithm(parsed.publicKeyInfo);
  if (keyAlgorithm === undefined) {
    throw fail(
      certificateSource.pointer,
      "the CA's key type is not supported.",
      "Use a CA with an RSA (2048, 3072 or 4096 bit) or ECDSA (P-256 or P-384) key.",
    );
  }
  const name = `CN=${parsed.subject.commonName}`;
  if (!parsed.isCA) {
    throw fail(
      certificateSource.pointer,
      `${name} is not a certificate authority (its basic constraints lack CA:TRUE).`,
      "Give the certificate of a CA; `openssl x509 -noout -ext basicConstraints -in CA` must show CA:TRUE.",
    );
  }
  if (parsed.keyUsage !== undefined && !parsed.keyUsage.includes("keyCertSign")) {
    throw fail(
      certificateSource.pointer,
      `${name} may not sign certificates (its key usage lacks keyCertSign).`,
      "Give a CA certificate whose key usage includes Certificate Sign.",
    );
  }
  if (parsed.notBefore.getTime() > now.getTime()) {
    throw fail(
      certificateSource.pointer,
      `${name} is not valid before ${parsed.notBefore.toISOString()}.`,
      "Check the clock, or wait until the CA is valid.",
    );
  }
  if (parsed.notAfter.getTime() <= now.getTime()) {
    throw fail(
      certificateSource.pointer,
      `${name} expired on ${day(parsed.notAfter)}.`,
      "Renew the CA certificate.",
    );
  }
  const leafEnd = now.getTime() + spec.security.leafValidityDays * DAY_MS;
  if (parsed.notAfter.getTime() < leafEnd) {
    const daysLeft = Math.floor((parsed.notAfter.getTime() - now.getTime()) / DAY_MS);
    throw fail(
      certificateSource.pointer,
      `${name} expires on ${day(parsed.notAfter)}, before certificates issued today for ${spec.security.leafValidityDays} days would.`,
      daysLeft >= 1
        ? `Renew the CA, or set security.leafValidityDays to at most ${daysLeft}.`
        : "Renew the CA certificate.",
    );
  }
  if (keySource === undefined) return { certificatePem, parsed, keyAlgorithm };
  const extraKey = beyondOneBlock(keySource.text);
  if (extraKey)
    throw fail(
      keySource.pointer,
      `holds ${extraKey}.`,
      "Give only the CA's private key: one -----BEGIN ... PRIVATE KEY----- block, nothing around it.",
    );
  let key: PrivateKeyInfo;
  try {
    key = readPrivateKey(keySource.text);
  } catch (caught) {
    throw fail(
      keySource.pointer,
      `is not a usable PEM private key (${caught instanceof Error ? caught.message : String(caught)}).`,
      "Give the CA's unencrypted private key in PEM form.",
    );
  }
  if (key.publicKeyInfo !== parsed.publicKeyInfo) {
    throw fail(
      keySource.pointer,
      `does not belong to the CA certificate ${name}.`,
      "Give the private key that matches the certificate (compare `openssl x509 -noout -pubkey` with `openssl pkey -pubout`).",
    );
  }
  return { certificatePem, parsed, keyAlgorithm, privateKeyPem: `${keySource.text.trim()}\n` };
}

/** What a PEM text holds besides its one block, said for a message; undefined when nothing. */
function beyondOneBlock(text: string): string | undefined {
  const blocks = [...text.matchAll(PEM_BLOCK)].length;
  if (blocks > 1) return `${blocks} PEM blocks`;
  const outside = text.replace(PEM_BLOCK, "").trim();
  return outside === ""
    ? undefined
    : `text outside its PEM block ("${outside.slice(0, 30)}${outside.length > 30 ? "..." : ""}")`;
}

type Source =
  | { readonly text: string; readonly pointer: string }
  | { readonly missing: string; readonly pointer: string; readonly fix: string };

function source(
  inline: string | undefined,
  file: string | undefined,
  field: "certificate" | "key",
  files: Readonly<Record<string, string>>,
): Source | undefined {
  if (inline !== undefined) return { text: inline, pointer: `/security/ca/${field}` };
  if (file === undefined) return undefined;
  const pointer = `/security/ca/${field}File`;
  const text = files[file];
  if (text === undefined) {
    return {
      pointer,
      missing: `the file "${file}" was not supplied.`,
      fix: `The kubescratch CLI reads it; library callers pass its contents in options.files["${file}"] or use ${field} inline.`,
    };
  }
  return { text, pointer };
}
