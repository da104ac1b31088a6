// The one issuing function: expands the certificate table for the plan, reuses what the previous
// state still has right, makes the keys it lacks (many in flight, through the injected capability),
// signs in table order (CAs first), and fills in tokens, passwords and kubeconfigs.
import { DAY_MS, day } from "./time.js";
import type { ClusterPlan } from "../plan/plan.js";
import type { SpecIssue } from "../validation/errors.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import {
  generateToken,
  passwordRequests,
  tokenRequests,
  type PasswordCredential,
  type RandomSource,
  type TokenCredential,
} from "./credentials.js";
import { safeFileName } from "../artifact.js";
import { fromUint8Array, sha256Hex, toUint8Array } from "../bytes.js";
import { DerError, pemDecode, pemEncode } from "./der.js";
import { isRsa, readPrivateKey, type KeyAlgorithm, type KeyCapability, type PrivateKeyInfo } from "./keys.js";
import {
  KUBECONFIG_PROFILES,
  ownNodeServer,
  renderKubeconfig,
  type KubeconfigProfile,
} from "./kubeconfigs.js";
import {
  ADMIN_BUNDLE,
  expandProfiles,
  type CertificateFiles,
  type CertificateRequest,
  type CertificateUsage,
  separateServiceAccountKey,
} from "./profiles.js";
import { providedCa } from "./provided-ca.js";
import { emptyPkiState, normalizeState, type PkiState, type StoredCertificate } from "./state.js";
import {
  certificateRequestInfo,
  createCertificateRequest,
  issueCertificate,
  keyIdentifier,
  parseCertificate,
  requestInfoOf,
  type CertificateTemplate,
  type DistinguishedName,
  type ParsedCertificate,
  type SubjectNames,
} from "./x509.js";

export interface PkiOptions {
  /** The clock: certificates start 5 minutes before it (clock skew) and expiry is judged against it. */
  readonly now: Date;
  readonly random: RandomSource;
  readonly keys: KeyCapability;
  /** The state a previous generation returned: what is still right is reused byte for byte. */
  readonly previousState?: PkiState;
  /** Contents of the files the spec names (security.ca.certificateFile / keyFile), read by the caller. */
  readonly files?: Readonly<Record<string, string>>;
  /** Told after each new key, e.g. for a progress bar (key generation is most of the time with RSA). */
  readonly onKeyGenerated?: (done: number, total: number) => void;
  /** Keys requested from the capability at once (default 256: enough to keep every key thread busy). */
  readonly keyConcurrency?: number;
  /**
   * A faster SHA-256 (hex) for certificate fingerprints, e.g. Node's native one; the result is the
   * same, only the speed differs.
   */
  readonly sha256?: (bytes: Uint8Array) => string;
}

export type CertificateStatus = "issued" | "reissued" | "reused" | "provided" | "awaiting-signature";

export interface IssuedCertificate {
  readonly id: string;
  readonly profile: string;
  readonly signer: string;
  readonly usage: CertificateUsage;
  readonly subject: DistinguishedName;
  readonly subjectNames: SubjectNames;
  readonly keyAlgorithm: KeyAlgorithm;
  /** PEM; absent while a request waits for an external CA. */
  readonly certificatePem?: string;
  /** PEM; absent only for a CA whose key stays with its owner. */
  readonly privateKeyPem?: string;
  /** PEM PKCS#10 request for an external CA to sign. */
  readonly requestPem?: string;
  readonly serialNumber?: string;
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly fingerprintSha256?: string;
  readonly files?: CertificateFiles;
  readonly node?: string;
  readonly admin?: string;
  readonly certificateHolders: readonly string[];
  readonly keyHolders: readonly string[];
  readonly clusterRole?: string;
  readonly status: CertificateStatus;
  /** Why it was issued, reissued or left waiting; for reused ones, "still valid and unchanged". */
  readonly reason: string;
  readonly why: string;
  readonly requirements: readonly string[];
}

export interface Kubeconfig {
  readonly name: KubeconfigProfile["name"];
  readonly path: string;
  /** Node names, or "admin" for the admin bundle. */
  readonly holders: readonly string[];
  readonly user: string;
  readonly content: string;
  readonly why: string;
  readonly requirements: readonly string[];
}

export interface ServiceAccountKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly status: "issued" | "reissued" | "reused";
  readonly reason: string;
}

export interface Pki {
  readonly certificates: readonly IssuedCertificate[];
  /** Absent when the seed's single HTTPS master signs service-account tokens with its server.key. */
  readonly serviceAccountKey?: ServiceAccountKey;
  readonly tokens: readonly TokenCredential[];
  readonly passwords: readonly PasswordCredential[];
  readonly kubeconfigs: readonly Kubeconfig[];
  /** Everything made, for the next generation's `previousState`. Secret: it holds every key. */
  readonly state: PkiState;
  /** Certificates expiring within 30 days, requests waiting for an external CA. */
  readonly warnings: readonly SpecIssue[];
  /** Keys the capability generated in this run. */
  readonly keysGenerated: number;
}

/** Certificates start this much before `now`, so a node whose clock lags a little accepts them. */
export const BACKDATE_MS = 5 * 60_000;
export const EXPIRY_WARNING_DAYS = 30;

interface SignerMaterial {
  readonly parsed: ParsedCertificate;
  readonly keyIdentifier: string;
  readonly privateKeyPem?: string;
  readonly keyAlgorithm: KeyAlgorithm;
}

interface KeyDecision {
  readonly label: string;
  readonly algorithm: KeyAlgorithm;
  pem?: string;
  info?: PrivateKeyInfo;
  /** Why a new key is needed; undefined when the previous key is reused. */
  readonly newKeyReason?: string;
}

function formatName(name: DistinguishedName): string {
  return [...name.organizations.map((org) => `O=${org}`), `CN=${name.commonName}`].join(", ");
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((entry) => b.includes(entry));
}

function namesChange(previous: SubjectNames, wanted: SubjectNames): string | undefined {
  const before = [...previous.dns.map((name) => name.toLowerCase()), ...previous.ip];
  const after = [...wanted.dns, ...wanted.ip];
  const added = after.filter((name) => !before.includes(name));
  const removed = before.filter((name) => !after.includes(name));
  if (added.length === 0 && removed.length === 0) return undefined;
  return [
    added.length > 0 ? `adds ${added.join(", ")}` : "",
    removed.length > 0 ? `drops ${removed.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/**
 * Keys requested at once. Deep enough that the key threads stay busy while this thread signs for a
 * while without looking at finished requests (an ECDSA key takes about 0.2 ms, a signature 0.03 ms).
 */
const KEYS_IN_FLIGHT = 256;

/** A promise with its resolve and reject, for work that finishes elsewhere. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the items' order. */
async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function readKeyOrReason(
  pem: string | undefined,
  algorithm: KeyAlgorithm,
): { info?: PrivateKeyInfo; reason?: string } {
  if (pem === undefined) return { reason: "new" };
  try {
    const info = readPrivateKey(pem);
    if (info.algorithm !== algorithm)
      return { reason: `key algorithm changed from ${info.algorithm} to ${algorithm}` };
    return { info };
  } catch (caught) {
    return {
      reason: `the stored key is unreadable (${caught instanceof Error ? caught.message : String(caught)})`,
    };
  }
}

function readStoredCertificate(pem: string | undefined): ParsedCertificate | string | undefined {
  if (pem === undefined) return undefined;
  try {
    const block = pemDecode(pem).find((entry) => entry.label === "CERTIFICATE");
    if (block === undefined) throw new DerError("no CERTIFICATE block");
    return parseCertificate(block.der);
  } catch (caught) {
    return `the stored certificate is unreadable (${caught instanceof Error ? caught.message : String(caught)})`;
  }
}

/** Why a stored certificate cannot be reused for `request`, or undefined when it can. */
function reuseProblem(
  previous: ParsedCertificate,
  request: CertificateRequest,
  key: PrivateKeyInfo,
  signer: SignerMaterial | undefined,
  now: Date,
  ownPolicy: boolean,
): string | undefined {
  if (previous.publicKeyInfo !== key.publicKeyInfo)
    return "the stored certificate does not belong to its key";
  const wantedSubject = formatName(request.subject);
  if (formatName(previous.subject) !== wantedSubject) {
    return `subject changed from "${formatName(previous.subject)}" to "${wantedSubject}"`;
  }
  if (previous.isCA !== request.isCA || !sameSet(previous.extendedKeyUsage, request.extendedKeyUsage)) {
    return "usages changed";
  }
  if (ownPolicy && !sameSet(previous.keyUsage ?? [], request.keyUsage)) return "key usages changed";
  const names = namesChange(previous.subjectNames, request.subjectNames);
  if (names !== undefined) return `names changed: ${names}`;
  if (signer === undefined) {
    if (previous.issuerName !== previous.subjectName) return "it is no longer self-signed";
  } else if (
    previous.issuerName !== signer.parsed.subjectName ||
    (previous.authorityKeyIdentifier !== undefined &&
      previous.authorityKeyIdentifier !== signer.keyIdentifier)
  ) {
    return `its signer ${request.signer} changed`;
  }
  const start = previous.notBefore.getTime();
  const end = previous.notAfter.getTime();
  if (start > now.getTime()) return `not valid before ${previous.notBefore.toISOString()}`;
  if (end <= now.getTime()) return `expired on ${day(previous.notAfter)}`;
  if (ownPolicy) {
    const days = Math.round((end - start - BACKDATE_MS) / DAY_MS);
    if (days !== request.validityDays) return `validity changed from ${days} to ${request.validityDays} days`;
    if (end - now.getTime() < (end - start) / 3) {
      return `due for renewal: expires on ${day(previous.notAfter)}, within the last third of its lifetime`;
    }
  }
  if (signer !== undefined && end > signer.parsed.notAfter.getTime())
    return `it outlives its signer ${request.signer}`;
  return undefined;
}

/** The stored request PEM when it carries exactly the template's request information. */
function sameRequest(storedPem: string, template: CertificateTemplate): string | undefined {
  try {
    const block = pemDecode(storedPem).find((entry) => entry.label === "CERTIFICATE REQUEST");
    return block !== undefined && requestInfoOf(block.der) === certificateRequestInfo(template)
      ? storedPem
      : undefined;
  } catch {
    return undefined;
  }
}

function serialNumber(random: RandomSource): string {
  const bytes = random(16);
  // Positive and exactly 16 bytes long: RFC 5280 allows up to 20, Go uses up to 8 random ones.
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return fromUint8Array(bytes);
}

function certificatePemOf(der: string): string {
  return pemEncode("CERTIFICATE", der);
}

function describeCertificate(parsed: ParsedCertificate, hash: (bytes: Uint8Array) => string) {
  return {
    serialNumber: parsed.serialHex,
    notBefore: parsed.notBefore.toISOString(),
    notAfter: parsed.notAfter.toISOString(),
    fingerprintSha256: hash(toUint8Array(parsed.der)),
  };
}

/**
 * Issues (or reuses) every key, certificate, token, password and kubeconfig the plan needs.
 * Throws SpecError for a provided CA that cannot be used.
 */
export async function issuePki(spec: ClusterSpec, plan: ClusterPlan, options: PkiOptions): Promise<Pki> {
  const { now, random, keys } = options;
  const hash = options.sha256 ?? sha256Hex;
  const previous = options.previousState ?? emptyPkiState();
  const algorithm = spec.security.keyAlgorithm;
  const requests = expandProfiles({ plan, spec }, isRsa(algorithm));
  const ca = providedCa(spec, now, options.files ?? {});

  // Keys first: decide which stored keys still serve, then generate the rest concurrently.
  const decisions = new Map<string, KeyDecision>();
  for (const request of requests) {
    if (request.id === "ca" && ca !== undefined) continue;
    const { info, reason } = readKeyOrReason(previous.certificates[request.id]?.key, algorithm);
    decisions.set(request.id, {
      label: request.id,
      algorithm,
      ...(info ? { pem: previous.certificates[request.id]?.key, info } : { newKeyReason: reason }),
    });
  }
  // Service-account tokens of the seed's releases are RS256 only.
  const serviceAccountAlgorithm: KeyAlgorithm = plan.profile.era === "legacy" ? "rsa-2048" : algorithm;
  const serviceAccountStored = readKeyOrReason(previous.serviceAccountKey, serviceAccountAlgorithm);
  const serviceAccount: KeyDecision = {
    label: "service-account",
    algorithm: serviceAccountAlgorithm,
    ...(serviceAccountStored.info
      ? { pem: previous.serviceAccountKey, info: serviceAccountStored.info }
      : { newKeyReason: serviceAccountStored.reason }),
  };
  const needsServiceAccountKey = separateServiceAccountKey(plan);
  const missing = [...decisions.values(), ...(needsServiceAccountKey ? [serviceAccount] : [])].filter(
    (decision) => decision.pem === undefined,
  );
  // Keys are made in table order on the capability's threads while this one signs the certificates
  // whose keys are ready: signing waits only for a key not made yet.
  let done = 0;
  const settle = (decision: KeyDecision, pem: string): void => {
    decision.pem = pem;
    try {
      decision.info = readPrivateKey(pem);
    } catch (caught) {
      throw new Error(
        `the key capability returned an unusable key for ${decision.label}: ${caught instanceof Error ? caught.message : String(caught)}`,
      );
    }
  };
  const ready = new Map(missing.map((decision) => [decision, deferred()]));
  const generation = mapConcurrent(missing, options.keyConcurrency ?? KEYS_IN_FLIGHT, async (decision) => {
    try {
      settle(decision, await keys.generateKeyPair(decision.algorithm, decision.label));
      options.onKeyGenerated?.(++done, missing.length);
      ready.get(decision)?.resolve();
    } catch (caught) {
      ready.get(decision)?.reject(caught);
      throw caught;
    }
  });
  // Failures surface where a key is awaited, and from `generation` at the end.
  generation.catch(() => undefined);
  for (const { promise } of ready.values()) promise.catch(() => undefined);
  const keyOf = async (decision: KeyDecision | undefined): Promise<KeyDecision | undefined> => {
    if (decision !== undefined) await ready.get(decision)?.promise;
    return decision;
  };

  // Certificates in table order: every signer is settled before the certificates it signs.
  const signers = new Map<string, SignerMaterial>();
  const certificates: IssuedCertificate[] = [];
  const stored: Record<string, StoredCertificate> = {};
  const warnings: SpecIssue[] = [];
  for (const request of requests) {
    const common = {
      id: request.id,
      profile: request.profile.name,
      signer: request.signer,
      usage: request.profile.usage,
      subject: request.subject,
      subjectNames: request.subjectNames,
      ...(request.files ? { files: request.files } : {}),
      ...(request.node !== undefined ? { node: request.node } : {}),
      ...(request.admin !== undefined ? { admin: request.admin } : {}),
      certificateHolders: request.certificateHolders,
      keyHolders: request.keyHolders,
      ...(request.profile.clusterRole !== undefined ? { clusterRole: request.profile.clusterRole } : {}),
      why: request.profile.why,
      requirements: request.profile.requirements,
    };

    if (request.id === "ca" && ca !== undefined) {
      signers.set("ca", {
        parsed: ca.parsed,
        keyIdentifier: ca.parsed.subjectKeyIdentifier ?? keyIdentifier(ca.parsed.publicKeyInfo),
        keyAlgorithm: ca.keyAlgorithm,
        ...(ca.privateKeyPem !== undefined ? { privateKeyPem: ca.privateKeyPem } : {}),
      });
      certificates.push({
        ...common,
        subject: ca.parsed.subject,
        subjectNames: ca.parsed.subjectNames,
        keyAlgorithm: ca.keyAlgorithm,
        certificatePem: ca.certificatePem,
        ...(ca.privateKeyPem !== undefined ? { privateKeyPem: ca.privateKeyPem } : {}),
        ...describeCertificate(ca.parsed, hash),
        // The owner keeps an external CA's key; no node receives it.
        keyHolders: ca.privateKeyPem !== undefined ? request.keyHolders : [],
        status: "provided",
        reason:
          ca.privateKeyPem !== undefined
            ? "your CA (security.ca)"
            : "your external CA: it signs the requests",
      });
      continue;
    }

    const key = await keyOf(decisions.get(request.id));
    if (key?.pem === undefined || key.info === undefined)
      throw new Error(`unreachable: no key for ${request.id}`);
    const signer = request.signer === "self" ? undefined : signers.get(request.signer);
    if (request.signer !== "self" && signer === undefined) {
      throw new Error(`unreachable: ${request.signer} is not settled before ${request.id}`);
    }
    const external = signer !== undefined && signer.privateKeyPem === undefined;
    const previousEntry = previous.certificates[request.id];
    const previousCertificate =
      key.newKeyReason === undefined ? readStoredCertificate(previousEntry?.certificate) : undefined;
    let problem: string | undefined =
      key.newKeyReason ??
      (previousCertificate === undefined
        ? external
          ? "waiting for your CA's signature"
          : "new"
        : typeof previousCertificate === "string"
          ? previousCertificate
          : reuseProblem(previousCertificate, request, key.info, signer, now, !external));

    if (
      problem === undefined &&
      request.isCA &&
      typeof previousCertificate === "object" &&
      previousCertificate.notAfter.getTime() < now.getTime() + spec.security.leafValidityDays * DAY_MS
    ) {
      problem = `it would expire (${day(previousCertificate.notAfter)}) before certificates issued today`;
    }

    let parsed: ParsedCertificate | undefined;
    let status: CertificateStatus;
    let requestPem: string | undefined;
    if (problem === undefined && typeof previousCertificate === "object") {
      parsed = previousCertificate;
      status = "reused";
    } else {
      const notBefore = new Date(now.getTime() - BACKDATE_MS);
      const notAfter = new Date(now.getTime() + request.validityDays * DAY_MS);
      const template = {
        serial: serialNumber(random),
        subject: request.subject,
        notBefore,
        notAfter,
        publicKeyInfo: key.info.publicKeyInfo,
        isCA: request.isCA,
        keyUsage: request.keyUsage,
        extendedKeyUsage: request.extendedKeyUsage,
        subjectNames: request.subjectNames,
      };
      if (external) {
        // The request the state holds, when it asks for exactly this (same key, subject, names,
        // usages): signing again would give new bytes (ECDSA signatures are randomized) and a request
        // already handed to the CA's owner would no longer match the bundle.
        requestPem =
          key.newKeyReason === undefined && previousEntry?.request !== undefined
            ? sameRequest(previousEntry.request, template)
            : undefined;
        requestPem ??= pemEncode(
          "CERTIFICATE REQUEST",
          await createCertificateRequest(template, key.pem, key.info.algorithm, keys),
        );
        status = "awaiting-signature";
      } else {
        const signing = signer ?? { privateKeyPem: key.pem, keyAlgorithm: key.info.algorithm };
        const der = await issueCertificate(
          template,
          {
            ...(signer
              ? { subjectName: signer.parsed.subjectName, keyIdentifier: signer.keyIdentifier }
              : {}),
            privateKeyPem: signing.privateKeyPem as string,
            keyAlgorithm: signing.keyAlgorithm,
          },
          keys,
        );
        parsed = parseCertificate(der);
        status = previousEntry === undefined ? "issued" : "reissued";
      }
    }
    if (request.isCA && parsed !== undefined) {
      signers.set(request.id, {
        parsed,
        keyIdentifier: parsed.subjectKeyIdentifier ?? keyIdentifier(parsed.publicKeyInfo),
        privateKeyPem: key.pem,
        keyAlgorithm: key.info.algorithm,
      });
    }
    const certificatePem =
      status === "reused" && previousEntry?.certificate !== undefined
        ? previousEntry.certificate
        : parsed
          ? certificatePemOf(parsed.der)
          : undefined;
    stored[request.id] = {
      key: key.pem,
      ...(certificatePem !== undefined ? { certificate: certificatePem } : {}),
      ...(requestPem !== undefined ? { request: requestPem } : {}),
    };
    certificates.push({
      ...common,
      keyAlgorithm: key.info.algorithm,
      ...(certificatePem !== undefined ? { certificatePem } : {}),
      privateKeyPem: key.pem,
      ...(requestPem !== undefined ? { requestPem } : {}),
      ...(parsed ? describeCertificate(parsed, hash) : {}),
      status,
      reason: status === "reused" ? "still valid and unchanged" : (problem ?? "new"),
    });
    if (status === "awaiting-signature") {
      warnings.push({
        severity: "warning",
        pointer: "/security/ca",
        message: `certificate ${request.id} (${formatName(request.subject)}) waits for your CA's signature.`,
        fix: `Sign its request (csr/${safeFileName(request.id)}.csr in the admin bundle), put the PEM certificate in the state under certificates["${request.id}"].certificate, and generate again.`,
      });
    }
  }

  for (const certificate of certificates) {
    if (certificate.notAfter === undefined) continue;
    const daysLeft = (Date.parse(certificate.notAfter) - now.getTime()) / DAY_MS;
    if (daysLeft < EXPIRY_WARNING_DAYS) {
      warnings.push({
        severity: "warning",
        pointer:
          certificate.status === "provided"
            ? "/security/ca"
            : certificate.usage === "ca"
              ? "/security/caValidityDays"
              : "/security/leafValidityDays",
        message: `certificate ${certificate.id} expires on ${certificate.notAfter.slice(0, 10)}, in ${Math.max(0, Math.floor(daysLeft))} days.`,
        fix:
          certificate.status === "provided"
            ? "Renew your CA before it expires; every certificate it signed stops working with it."
            : "Raise the validity, or plan to generate again and install the renewed certificates before that date.",
      });
    }
  }

  await generation;
  let serviceAccountKey: ServiceAccountKey | undefined;
  if (needsServiceAccountKey) {
    const info = serviceAccount.info as PrivateKeyInfo;
    serviceAccountKey = {
      privateKeyPem: serviceAccount.pem as string,
      publicKeyPem: pemEncode("PUBLIC KEY", info.publicKeyInfo),
      keyAlgorithm: info.algorithm,
      status:
        serviceAccount.newKeyReason === undefined
          ? "reused"
          : previous.serviceAccountKey === undefined
            ? "issued"
            : "reissued",
      reason: serviceAccount.newKeyReason ?? "still usable",
    };
  }

  const tokens: TokenCredential[] = tokenRequests(plan, spec).map((request) => ({
    ...request,
    token: previous.tokens[request.id] ?? generateToken(random),
  }));
  const passwords: PasswordCredential[] = passwordRequests(plan, spec).map((request) => ({
    id: request.id,
    user: request.user,
    uid: request.uid,
    password: previous.passwords[request.id] ?? generateToken(random),
  }));

  const kubeconfigs = renderKubeconfigs(spec, plan, certificates, tokens);

  const state = normalizeState({
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "PkiState",
    certificates: stored,
    ...(serviceAccountKey ? { serviceAccountKey: serviceAccountKey.privateKeyPem } : {}),
    tokens: Object.fromEntries(tokens.map((entry) => [entry.id, entry.token])),
    passwords: Object.fromEntries(passwords.map((entry) => [entry.id, entry.password])),
  });

  return {
    certificates,
    ...(serviceAccountKey ? { serviceAccountKey } : {}),
    tokens,
    passwords,
    kubeconfigs,
    state,
    warnings,
    keysGenerated: missing.length,
  };
}

function renderKubeconfigs(
  spec: ClusterSpec,
  plan: ClusterPlan,
  certificates: readonly IssuedCertificate[],
  tokens: readonly TokenCredential[],
): Kubeconfig[] {
  const era = plan.profile.era;
  const https = plan.security.mode === "https";
  const byId = new Map(certificates.map((certificate) => [certificate.id, certificate]));
  const tokenById = new Map(tokens.map((entry) => [entry.id, entry.token]));
  const caPem = byId.get("ca")?.certificatePem;
  const controlPlane = new Set(plan.controlPlane.nodes);
  const result: Kubeconfig[] = [];
  for (const profile of KUBECONFIG_PROFILES) {
    if (!profile.eras.includes(era)) continue;
    const targets =
      profile.scope === "admin"
        ? spec.security.admins.map((admin) => ({ suffix: admin.name, node: undefined }))
        : plan.nodes
            .filter((node) => profile.scope === "node" || controlPlane.has(node.name))
            .map((node) => ({ suffix: node.name, node }));
    for (const { suffix, node } of targets) {
      const certificateProfile = https ? profile.certificate?.(era) : undefined;
      const certificate =
        certificateProfile === undefined ? undefined : byId.get(`${certificateProfile}/${suffix}`);
      // A client certificate still waiting for an external CA: its kubeconfig follows once signed.
      if (certificateProfile !== undefined && certificate?.certificatePem === undefined) continue;
      const tokenId = https ? profile.token?.(suffix, plan, spec) : undefined;
      const user = profile.user(suffix, plan);
      result.push({
        name: profile.name,
        path: profile.path(suffix),
        holders: node ? [node.name] : [ADMIN_BUNDLE],
        user,
        content: renderKubeconfig({
          clusterName: plan.clusterName,
          server:
            profile.server === "own-node" && node
              ? ownNodeServer(node, plan)
              : plan.controlPlane.apiserverURL,
          ...(https && caPem !== undefined ? { certificateAuthority: caPem } : {}),
          user,
          ...(certificate?.certificatePem !== undefined && certificate.privateKeyPem !== undefined
            ? { clientCertificate: certificate.certificatePem, clientKey: certificate.privateKeyPem }
            : {}),
          ...(tokenId !== undefined && tokenById.has(tokenId)
            ? { token: tokenById.get(tokenId) as string }
            : {}),
        }),
        why: profile.why,
        requirements: profile.requirements,
      });
    }
  }
  return result;
}
