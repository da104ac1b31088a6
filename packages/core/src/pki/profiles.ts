// The certificate table: one row per certificate the cluster needs, in the spirit of kubeadm's
// certlist.go (facts: shared/reference/anchors.md §2), executed by the one issuing function in
// issue.ts. Rows are data; the few computed columns (subject, SANs) are small functions of the plan.
import { canonicalIp } from "../net/ip.js";
import { DAY_MS } from "./time.js";
import { networkFamilies, nodeFamilies, type ClusterPlan, type NodePlan } from "../plan/plan.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import type { Era } from "../versions/kubernetes.js";
import type { DistinguishedName, ExtendedKeyUsage, KeyUsage, SubjectNames } from "./x509.js";

/** What a certificate is for; decides its key usages and extended key usages. */
export type CertificateUsage = "ca" | "server" | "client" | "server-and-client";

/** How many certificates a row makes: one for the cluster, or one per control-plane node, etc. */
export type CertificateScope = "cluster" | "control-plane" | "etcd-member" | "node" | "admin";

/**
 * Who receives a file: every node, the control-plane nodes, the etcd members (plus the control plane,
 * whose apiserver talks to etcd), only the node the certificate was made for, the admin bundle, or
 * nobody (the material stays in the state file, e.g. CA keys that no daemon uses).
 */
export type Holders =
  "all-nodes" | "control-plane" | "etcd-and-control-plane" | "etcd-members" | "own-node" | "admin" | "nobody";

export interface CertificateFiles {
  readonly certificate: string;
  readonly key: string;
}

export interface CertificateProfile {
  readonly name: string;
  readonly eras: readonly Era[];
  /** Only in HTTPS mode, only with certain credential layouts, ... (default: always in its eras). */
  readonly when?: (context: ProfileContext) => boolean;
  readonly scope: CertificateScope;
  /** The profile name of the signing CA, or "self" for a self-signed CA. */
  readonly signer: string;
  readonly usage: CertificateUsage;
  readonly subject: (target: ProfileTarget, context: ProfileContext) => DistinguishedName;
  readonly subjectNames?: (target: ProfileTarget, context: ProfileContext) => SubjectNames;
  /** Where the certificate and key are installed; absent when they travel inside a kubeconfig. */
  readonly files?: (era: Era) => CertificateFiles;
  readonly certificateHolders: Holders;
  readonly keyHolders: Holders | ((context: ProfileContext) => Holders);
  /** RBAC the identity relies on instead of a privileged group (the components emit the binding). */
  readonly clusterRole?: string;
  /** Who renews it: the kubelet through the API (rotateCertificates), else `kubescratch generate`. */
  readonly renewal?: "kubelet-rotation";
  readonly why: string;
  readonly requirements: readonly string[];
}

export interface ProfileContext {
  readonly plan: ClusterPlan;
  readonly spec: ClusterSpec;
}

/** The node or administrator a scoped row is being expanded for. */
export interface ProfileTarget {
  readonly node?: NodePlan;
  readonly admin?: ClusterSpec["security"]["admins"][number];
}

const NO_NAMES: SubjectNames = { dns: [], ip: [] };

const CURRENT_PKI = "/etc/kubernetes/pki";
const LEGACY_PKI = "/srv/kubernetes";

function files(certificate: string, key: string): () => CertificateFiles {
  return () => ({ certificate, key });
}

function https(context: ProfileContext): boolean {
  return context.plan.security.mode === "https";
}

function requireNode(target: ProfileTarget): NodePlan {
  if (!target.node) throw new Error("unreachable: a per-node profile expanded without a node");
  return target.node;
}

/** Splits names into DNS names and canonical IPs, dropping duplicates but keeping the first order. */
export function subjectNames(entries: readonly string[]): SubjectNames {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const entry of entries) {
    const address = canonicalIp(entry);
    const list = address === undefined ? dns : ip;
    const value = address ?? entry.toLowerCase();
    if (!list.includes(value)) list.push(value);
  }
  return { dns, ip };
}

/** The names every client may dial the apiserver by (S12; anchors.md §2.2). */
function apiserverNames(target: ProfileTarget, { plan, spec }: ProfileContext): SubjectNames {
  const node = requireNode(target);
  const domain = plan.network.clusterDomain.replace(/\.$/, "");
  return subjectNames([
    node.name,
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    `kubernetes.default.svc.${domain}`,
    // Each family's: a dual-stack cluster's pods of the other family reach the apiserver there.
    ...networkFamilies(plan).map((part) => part.kubernetesServiceIP),
    ...nodeFamilies(node).map((part) => part.ip),
    plan.controlPlane.masterIP,
    ...(plan.controlPlane.endpoint === undefined ? [] : [plan.controlPlane.endpoint.host]),
    ...spec.security.apiserverExtraSANs,
  ]);
}

/** etcd members are dialled by node IP and, by etcdctl and probes on the node, over loopback. */
function etcdMemberNames(target: ProfileTarget): SubjectNames {
  const node = requireNode(target);
  return subjectNames([node.name, "localhost", node.ip, "127.0.0.1", "::1"]);
}

const cn =
  (commonName: string, ...organizations: string[]) =>
  (): DistinguishedName => ({
    commonName,
    organizations,
  });

export const CERTIFICATE_PROFILES: readonly CertificateProfile[] = [
  // --- certificate authorities -------------------------------------------------------------------
  {
    name: "ca",
    eras: ["legacy", "current"],
    when: https,
    scope: "cluster",
    signer: "self",
    usage: "ca",
    subject: cn("kubernetes"),
    subjectNames: () => subjectNames(["kubernetes"]),
    files: (era) =>
      era === "legacy"
        ? { certificate: `${LEGACY_PKI}/ca.crt`, key: `${LEGACY_PKI}/ca.key` }
        : { certificate: `${CURRENT_PKI}/ca.crt`, key: `${CURRENT_PKI}/ca.key` },
    certificateHolders: "all-nodes",
    // Today the controller-manager signs kubelet CSRs with it; the seed's daemons never use it.
    keyHolders: ({ plan }) => (plan.profile.era === "current" ? "control-plane" : "nobody"),
    why: "The cluster's root of trust: it signs the apiserver's and every client's certificate.",
    requirements: ["S12"],
  },
  {
    name: "front-proxy-ca",
    eras: ["current"],
    scope: "cluster",
    signer: "self",
    usage: "ca",
    subject: cn("front-proxy-ca"),
    subjectNames: () => subjectNames(["front-proxy-ca"]),
    files: files(`${CURRENT_PKI}/front-proxy-ca.crt`, `${CURRENT_PKI}/front-proxy-ca.key`),
    certificateHolders: "control-plane",
    keyHolders: "nobody",
    why: "Trust anchor for requests the apiserver forwards to aggregated APIs (--requestheader-client-ca-file).",
    requirements: ["S12"],
  },
  {
    name: "etcd-ca",
    eras: ["current"],
    scope: "cluster",
    signer: "self",
    usage: "ca",
    subject: cn("etcd-ca"),
    subjectNames: () => subjectNames(["etcd-ca"]),
    files: files(`${CURRENT_PKI}/etcd/ca.crt`, `${CURRENT_PKI}/etcd/ca.key`),
    certificateHolders: "etcd-and-control-plane",
    keyHolders: "nobody",
    why: "A separate root of trust for etcd, so no Kubernetes client certificate can reach etcd.",
    requirements: ["S12", "S25"],
  },
  // --- control plane ------------------------------------------------------------------------------
  {
    name: "apiserver",
    eras: ["legacy", "current"],
    when: https,
    scope: "control-plane",
    signer: "ca",
    usage: "server",
    subject: (target, { plan }) => ({
      commonName: plan.profile.era === "legacy" ? requireNode(target).name : "kube-apiserver",
      organizations: [],
    }),
    subjectNames: apiserverNames,
    files: (era) =>
      era === "legacy"
        ? { certificate: `${LEGACY_PKI}/server.crt`, key: `${LEGACY_PKI}/server.key` }
        : { certificate: `${CURRENT_PKI}/apiserver.crt`, key: `${CURRENT_PKI}/apiserver.key` },
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "The apiserver's serving certificate (MASTER_CERT): valid for the master IP, the kubernetes service IP and names, and the node.",
    requirements: ["S12"],
  },
  {
    name: "apiserver-kubelet-client",
    eras: ["current"],
    scope: "cluster",
    signer: "ca",
    usage: "client",
    subject: cn("kube-apiserver-kubelet-client"),
    files: files(
      `${CURRENT_PKI}/apiserver-kubelet-client.crt`,
      `${CURRENT_PKI}/apiserver-kubelet-client.key`,
    ),
    certificateHolders: "control-plane",
    keyHolders: "control-plane",
    // No privileged group: kubeadm moved this identity from system:masters to a binding to
    // system:kubelet-api-admin (k/k PR #138957); the components emit that binding.
    clusterRole: "system:kubelet-api-admin",
    why: "The apiserver's client identity towards kubelets (logs, exec, port-forward).",
    requirements: ["S12"],
  },
  {
    name: "front-proxy-client",
    eras: ["current"],
    scope: "cluster",
    signer: "front-proxy-ca",
    usage: "client",
    subject: cn("front-proxy-client"),
    files: files(`${CURRENT_PKI}/front-proxy-client.crt`, `${CURRENT_PKI}/front-proxy-client.key`),
    certificateHolders: "control-plane",
    keyHolders: "control-plane",
    why: "The apiserver's identity when it proxies requests to aggregated API servers.",
    requirements: ["S12"],
  },
  {
    name: "etcd-server",
    eras: ["current"],
    scope: "etcd-member",
    signer: "etcd-ca",
    // etcd >= 3.2 also uses the server certificate as a client (etcd-io/etcd#9785).
    usage: "server-and-client",
    subject: (target) => ({ commonName: requireNode(target).name, organizations: [] }),
    subjectNames: etcdMemberNames,
    files: files(`${CURRENT_PKI}/etcd/server.crt`, `${CURRENT_PKI}/etcd/server.key`),
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "The etcd member's serving certificate for clients (the apiserver, etcdctl).",
    requirements: ["S25"],
  },
  {
    name: "etcd-peer",
    eras: ["current"],
    scope: "etcd-member",
    signer: "etcd-ca",
    usage: "server-and-client",
    subject: (target) => ({ commonName: requireNode(target).name, organizations: [] }),
    subjectNames: etcdMemberNames,
    files: files(`${CURRENT_PKI}/etcd/peer.crt`, `${CURRENT_PKI}/etcd/peer.key`),
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "The etcd member's certificate towards the other members (mutual TLS on the peer port).",
    requirements: ["S25"],
  },
  {
    name: "etcd-healthcheck-client",
    eras: ["current"],
    scope: "cluster",
    signer: "etcd-ca",
    usage: "client",
    subject: cn("kube-etcd-healthcheck-client"),
    files: files(`${CURRENT_PKI}/etcd/healthcheck-client.crt`, `${CURRENT_PKI}/etcd/healthcheck-client.key`),
    certificateHolders: "etcd-members",
    keyHolders: "etcd-members",
    why: "Lets etcdctl on an etcd member check the member's health.",
    requirements: ["S25", "S31"],
  },
  {
    name: "apiserver-etcd-client",
    eras: ["current"],
    scope: "cluster",
    signer: "etcd-ca",
    usage: "client",
    subject: cn("kube-apiserver-etcd-client"),
    files: files(`${CURRENT_PKI}/apiserver-etcd-client.crt`, `${CURRENT_PKI}/apiserver-etcd-client.key`),
    certificateHolders: "control-plane",
    keyHolders: "control-plane",
    why: "The apiserver's client identity towards etcd.",
    requirements: ["S25"],
  },
  {
    name: "controller-manager",
    eras: ["current"],
    scope: "control-plane",
    signer: "ca",
    usage: "client",
    subject: cn("system:kube-controller-manager"),
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "The controller-manager's identity (bound by the built-in system:kube-controller-manager role).",
    requirements: ["S15"],
  },
  {
    name: "scheduler",
    eras: ["current"],
    scope: "control-plane",
    signer: "ca",
    usage: "client",
    subject: cn("system:kube-scheduler"),
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "The scheduler's identity (bound by the built-in system:kube-scheduler role).",
    requirements: ["S15"],
  },
  // --- every node ------------------------------------------------------------------------------------
  {
    name: "kubelet-client",
    eras: ["current"],
    scope: "node",
    signer: "ca",
    usage: "client",
    // The Node authorizer and NodeRestriction recognise exactly this name and group.
    subject: (target) => ({
      commonName: `system:node:${requireNode(target).name}`,
      organizations: ["system:nodes"],
    }),
    certificateHolders: "own-node",
    keyHolders: "own-node",
    // The bundle's certificate only starts the kubelet: it asks the API for the next one (a
    // kubernetes.io/kube-apiserver-client-kubelet CSR, approved for system:nodes and signed by the
    // controller-manager) and keeps it in /var/lib/kubelet/pki.
    renewal: "kubelet-rotation",
    why: "The kubelet's own identity towards the apiserver, limited by the Node authorizer to its node's objects.",
    requirements: ["S15"],
  },
  {
    name: "kubelet-serving",
    eras: ["legacy", "current"],
    when: https,
    scope: "node",
    signer: "ca",
    usage: "server",
    subject: (target) => ({
      commonName: `system:node:${requireNode(target).name}`,
      organizations: ["system:nodes"],
    }),
    subjectNames: (target) => subjectNames([requireNode(target).name, requireNode(target).ip]),
    files: (era) =>
      era === "legacy"
        ? { certificate: `${LEGACY_PKI}/kubelet.crt`, key: `${LEGACY_PKI}/kubelet.key` }
        : { certificate: "/var/lib/kubelet/pki/kubelet.crt", key: "/var/lib/kubelet/pki/kubelet.key" },
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "The kubelet's serving certificate (KUBELET_CERT), signed by the cluster CA so the apiserver can verify it.",
    requirements: ["S12"],
  },
  {
    name: "kube-proxy",
    eras: ["current"],
    scope: "node",
    signer: "ca",
    usage: "client",
    // One key per node under the one name the built-in system:node-proxier binding knows.
    subject: cn("system:kube-proxy"),
    certificateHolders: "own-node",
    keyHolders: "own-node",
    why: "kube-proxy's identity on this node (bound by the built-in system:node-proxier role).",
    requirements: ["S15"],
  },
  // --- administrators ------------------------------------------------------------------------------
  {
    name: "admin",
    eras: ["legacy", "current"],
    when: https,
    scope: "admin",
    signer: "ca",
    usage: "client",
    subject: (target) => {
      if (!target.admin) throw new Error("unreachable: an admin profile expanded without an admin");
      return { commonName: target.admin.name, organizations: [...target.admin.groups] };
    },
    certificateHolders: "admin",
    keyHolders: "admin",
    why: "An administrator's client certificate (CLI_CERT), embedded in their kubeconfig.",
    requirements: ["S12", "S14"],
  },
];

export const USAGES: Readonly<
  Record<CertificateUsage, { keyUsage: (rsa: boolean) => KeyUsage[]; extendedKeyUsage: ExtendedKeyUsage[] }>
> = {
  ca: { keyUsage: () => ["digitalSignature", "keyCertSign", "cRLSign"], extendedKeyUsage: [] },
  // keyEncipherment only means something for RSA key exchange; Go leaves it off ECDSA leaves.
  server: { keyUsage: leafKeyUsage, extendedKeyUsage: ["serverAuth"] },
  client: { keyUsage: leafKeyUsage, extendedKeyUsage: ["clientAuth"] },
  "server-and-client": { keyUsage: leafKeyUsage, extendedKeyUsage: ["serverAuth", "clientAuth"] },
};

function leafKeyUsage(rsa: boolean): KeyUsage[] {
  return rsa ? ["digitalSignature", "keyEncipherment"] : ["digitalSignature"];
}

/** One concrete certificate: a row expanded for its target. */
export interface CertificateRequest {
  /** "apiserver/cp-1", "admin/alice", "ca": unique, stable across runs, the key of the state. */
  readonly id: string;
  readonly profile: CertificateProfile;
  /** The id of the signing certificate ("self" for a root). */
  readonly signer: string;
  readonly subject: DistinguishedName;
  readonly subjectNames: SubjectNames;
  readonly keyUsage: readonly KeyUsage[];
  readonly extendedKeyUsage: readonly ExtendedKeyUsage[];
  readonly isCA: boolean;
  readonly validityDays: number;
  readonly files?: CertificateFiles;
  readonly node?: string;
  readonly admin?: string;
  /** Node names that receive the certificate file / the key file ("admin" for the admin bundle). */
  readonly certificateHolders: readonly string[];
  readonly keyHolders: readonly string[];
}

export const ADMIN_BUNDLE = "admin";

/**
 * Whether service-account tokens get their own key pair (sa.key, sa.pub). The seed signs them with
 * the apiserver's server.key (S28); that only works with HTTPS and a single master, since every
 * master has its own server.key. Current releases always use a separate key.
 */
export function separateServiceAccountKey(plan: ClusterPlan): boolean {
  return (
    plan.profile.era === "current" || plan.security.mode !== "https" || plan.controlPlane.nodes.length > 1
  );
}

function holders(rule: Holders, target: ProfileTarget, plan: ClusterPlan): string[] {
  const etcd = new Set(plan.etcd.members.map((member) => member.name));
  const controlPlane = new Set(plan.controlPlane.nodes);
  switch (rule) {
    case "all-nodes":
      return plan.nodes.map((node) => node.name);
    case "control-plane":
      return plan.nodes.filter((node) => controlPlane.has(node.name)).map((node) => node.name);
    case "etcd-members":
      return plan.nodes.filter((node) => etcd.has(node.name)).map((node) => node.name);
    case "etcd-and-control-plane":
      return plan.nodes
        .filter((node) => etcd.has(node.name) || controlPlane.has(node.name))
        .map((node) => node.name);
    case "own-node":
      return target.node ? [target.node.name] : [];
    case "admin":
      return [ADMIN_BUNDLE];
    case "nobody":
      return [];
  }
}

function targets(
  scope: CertificateScope,
  context: ProfileContext,
): { suffix: string; target: ProfileTarget }[] {
  const { plan, spec } = context;
  const controlPlane = new Set(plan.controlPlane.nodes);
  const etcd = new Set(plan.etcd.members.map((member) => member.name));
  switch (scope) {
    case "cluster":
      return [{ suffix: "", target: {} }];
    case "control-plane":
      return plan.nodes
        .filter((node) => controlPlane.has(node.name))
        .map((node) => ({ suffix: node.name, target: { node } }));
    case "etcd-member":
      return plan.nodes
        .filter((node) => etcd.has(node.name))
        .map((node) => ({ suffix: node.name, target: { node } }));
    case "node":
      return plan.nodes.map((node) => ({ suffix: node.name, target: { node } }));
    case "admin":
      return spec.security.admins.map((admin) => ({ suffix: admin.name, target: { admin } }));
  }
}

export function profileApplies(profile: CertificateProfile, context: ProfileContext): boolean {
  return profile.eras.includes(context.plan.profile.era) && (profile.when?.(context) ?? true);
}

/** Every certificate the cluster needs, CAs first, in table order. Pure and cheap: no keys involved. */
export function expandProfiles(context: ProfileContext, keyIsRsa: boolean): CertificateRequest[] {
  const { plan, spec } = context;
  const requests: CertificateRequest[] = [];
  for (const profile of CERTIFICATE_PROFILES) {
    if (!profileApplies(profile, context)) continue;
    for (const { suffix, target } of targets(profile.scope, context)) {
      const usage = USAGES[profile.usage];
      requests.push({
        id: suffix === "" ? profile.name : `${profile.name}/${suffix}`,
        profile,
        signer: profile.signer,
        subject: profile.subject(target, context),
        subjectNames: profile.subjectNames?.(target, context) ?? NO_NAMES,
        keyUsage: usage.keyUsage(keyIsRsa),
        extendedKeyUsage: usage.extendedKeyUsage,
        isCA: profile.usage === "ca",
        validityDays: profile.usage === "ca" ? spec.security.caValidityDays : spec.security.leafValidityDays,
        ...(profile.files ? { files: profile.files(plan.profile.era) } : {}),
        ...(target.node ? { node: target.node.name } : {}),
        ...(target.admin ? { admin: target.admin.name } : {}),
        certificateHolders: holders(profile.certificateHolders, target, plan),
        keyHolders: holders(
          typeof profile.keyHolders === "function" ? profile.keyHolders(context) : profile.keyHolders,
          target,
          plan,
        ),
      });
    }
  }
  return requests;
}

/** A certificate as the plan lists it: what will exist, who holds it, and until when (if issued now). */
export interface PlannedCertificate {
  readonly id: string;
  readonly subject: DistinguishedName;
  readonly signer: string;
  readonly usage: CertificateUsage;
  readonly subjectNames: SubjectNames;
  readonly holders: readonly string[];
  readonly validityDays: number;
  /** ISO time: `now` plus the validity (a reused certificate keeps its own, earlier or equal). */
  readonly notAfter: string;
  /**
   * How it is renewed: "kubelet-rotation" (the kubelet requests the next one from the API before 70
   * to 90 % of its lifetime has passed), or "generate" (`kubescratch generate` with the state
   * reissues it in the last third of its lifetime and warns 30 days ahead; install the new bundle).
   */
  readonly renewal: "kubelet-rotation" | "generate";
}

/** The certificate inventory of a plan, without making any key. */
export function planCertificates(context: ProfileContext, now: Date): PlannedCertificate[] {
  const rsa = context.spec.security.keyAlgorithm.startsWith("rsa-");
  return expandProfiles(context, rsa).map((request) => ({
    id: request.id,
    subject: request.subject,
    signer: request.signer,
    usage: request.profile.usage,
    subjectNames: request.subjectNames,
    holders: [...new Set([...request.certificateHolders, ...request.keyHolders])],
    validityDays: request.validityDays,
    notAfter: new Date(now.getTime() + request.validityDays * DAY_MS).toISOString(),
    renewal: request.profile.renewal ?? "generate",
  }));
}
