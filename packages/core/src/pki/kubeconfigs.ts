// The kubeconfig table (S14, S15): which identities get one, where it is installed, which server it
// names and which credential it carries. Rendered the way `kubectl config set-cluster /
// set-credentials / set-context / use-context` writes a file.
import { toYaml } from "../render/yaml.js";
import { adminKubeconfigPath } from "../artifact.js";
import { hostPort } from "../net/ip.js";
import type { ClusterPlan, NodePlan } from "../plan/plan.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import type { Era } from "../versions/kubernetes.js";
import { componentTokenId } from "./credentials.js";
import { utf8Base64 } from "../bytes.js";

export interface KubeconfigProfile {
  readonly name: "admin" | "kubelet" | "kube-proxy" | "controller-manager" | "scheduler";
  readonly eras: readonly Era[];
  readonly scope: "admin" | "node" | "control-plane";
  readonly path: (suffix: string) => string;
  readonly user: (suffix: string, plan: ClusterPlan) => string;
  /** The client certificate's profile (HTTPS mode, when the era authenticates this identity by cert). */
  readonly certificate?: (era: Era) => string | undefined;
  /** The token's id (seed releases in HTTPS mode). */
  readonly token?: (suffix: string, plan: ClusterPlan, spec: ClusterSpec) => string | undefined;
  /** The load-balanced master address, or the node's own apiserver (control-plane daemons). */
  readonly server: "cluster" | "own-node";
  readonly why: string;
  readonly requirements: readonly string[];
}

export const KUBECONFIG_PROFILES: readonly KubeconfigProfile[] = [
  {
    name: "admin",
    eras: ["legacy", "current"],
    scope: "admin",
    path: (admin) => adminKubeconfigPath(admin),
    user: (admin) => admin,
    certificate: () => "admin",
    token: (admin, plan) => (plan.profile.era === "legacy" ? `admin/${admin}` : undefined),
    server: "cluster",
    why: "An administrator's kubectl configuration: the cluster, their credentials and the context joining them.",
    requirements: ["S14"],
  },
  {
    name: "kubelet",
    eras: ["legacy", "current"],
    scope: "node",
    path: () => "/var/lib/kubelet/kubeconfig",
    user: (node, plan) => (plan.profile.era === "current" ? `system:node:${node}` : "kubelet"),
    certificate: (era) => (era === "current" ? "kubelet-client" : undefined),
    token: (_node, plan, spec) => componentTokenId("kubelet", plan, spec),
    server: "cluster",
    why: "How the kubelet finds and authenticates to the apiserver.",
    requirements: ["S15"],
  },
  {
    name: "kube-proxy",
    eras: ["legacy", "current"],
    scope: "node",
    path: () => "/var/lib/kube-proxy/kubeconfig",
    user: (_node, plan) => (plan.profile.era === "current" ? "system:kube-proxy" : "kube-proxy"),
    certificate: (era) => (era === "current" ? "kube-proxy" : undefined),
    token: (_node, plan, spec) => componentTokenId("kube-proxy", plan, spec),
    server: "cluster",
    why: "How kube-proxy finds and authenticates to the apiserver.",
    requirements: ["S15"],
  },
  {
    name: "controller-manager",
    eras: ["current"],
    scope: "control-plane",
    path: () => "/etc/kubernetes/controller-manager.conf",
    user: () => "system:kube-controller-manager",
    certificate: () => "controller-manager",
    server: "own-node",
    why: "The controller-manager's connection to the apiserver on its own node.",
    requirements: ["S15"],
  },
  {
    name: "scheduler",
    eras: ["current"],
    scope: "control-plane",
    path: () => "/etc/kubernetes/scheduler.conf",
    user: () => "system:kube-scheduler",
    certificate: () => "scheduler",
    server: "own-node",
    why: "The scheduler's connection to the apiserver on its own node.",
    requirements: ["S15"],
  },
];

export interface KubeconfigContent {
  readonly clusterName: string;
  readonly server: string;
  /** PEM of the CA that signed the apiserver's certificate (HTTPS mode). */
  readonly certificateAuthority?: string;
  readonly user: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly token?: string;
}

function data(pem: string): string {
  return utf8Base64(pem);
}

// The *-data fields are base64 of PEM ("LS0t..." for "---"), a plain YAML scalar.
const PLAIN_BASE64 = /^LS0t[A-Za-z0-9+/]*={0,2}$/;

// A name, user, server or token that YAML writes as it is: starts with a letter, "_" or "/", holds no
// space, quote, "#", ",", brackets or braces, and is not one of YAML's words for true, false or null.
const PLAIN_TEXT = /^[A-Za-z_/][A-Za-z0-9._:/@+=-]*$/;
const YAML_WORDS = /^(true|false|null|yes|no|on|off|y|n)$/i;

function plain(text: string): boolean {
  return PLAIN_TEXT.test(text) && !text.endsWith(":") && !YAML_WORDS.test(text);
}

/**
 * Renders a kubeconfig with the fields in kubectl's order; `kind: Config`, one cluster, user and
 * context. Written line by line when every value is a plain YAML scalar (always, for the names and
 * addresses kubescratch makes): the text js-yaml would dump, which a test checks for every fixture,
 * at a tenth of the cost. Anything else goes through js-yaml.
 */
export function renderKubeconfig(content: KubeconfigContent): string {
  const contextName = `${content.user}@${content.clusterName}`;
  const authority =
    content.certificateAuthority === undefined ? undefined : data(content.certificateAuthority);
  const certificate = content.clientCertificate === undefined ? undefined : data(content.clientCertificate);
  const key = content.clientKey === undefined ? undefined : data(content.clientKey);
  const simple =
    [content.clusterName, content.server, content.user, contextName].every(plain) &&
    (content.token === undefined || plain(content.token)) &&
    [authority, certificate, key].every((blob) => blob === undefined || PLAIN_BASE64.test(blob));
  if (!simple) return dumpKubeconfig(content, { authority, certificate, key });
  const lines = [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    authority === undefined
      ? "    insecure-skip-tls-verify: true"
      : `    certificate-authority-data: ${authority}`,
    `    server: ${content.server}`,
    `  name: ${content.clusterName}`,
    "contexts:",
    "- context:",
    `    cluster: ${content.clusterName}`,
    `    user: ${content.user}`,
    `  name: ${contextName}`,
    `current-context: ${contextName}`,
    "kind: Config",
    "preferences: {}",
    "users:",
    `- name: ${content.user}`,
  ];
  const user = [
    ...(certificate === undefined ? [] : [`    client-certificate-data: ${certificate}`]),
    ...(key === undefined ? [] : [`    client-key-data: ${key}`]),
    ...(content.token === undefined ? [] : [`    token: ${content.token}`]),
  ];
  if (user.length === 0) lines.push("  user: {}");
  else lines.push("  user:", ...user);
  return `${lines.join("\n")}\n`;
}

/** renderKubeconfig through js-yaml, for values that need quoting. */
function dumpKubeconfig(content: KubeconfigContent, encoded: EncodedData): string {
  const contextName = `${content.user}@${content.clusterName}`;
  const cluster =
    encoded.authority === undefined
      ? // The seed's firewall-only form (S14): plain HTTP, so there is no certificate to check.
        { "insecure-skip-tls-verify": true, server: content.server }
      : { "certificate-authority-data": encoded.authority, server: content.server };
  const user: Record<string, string> = {};
  if (encoded.certificate !== undefined) user["client-certificate-data"] = encoded.certificate;
  if (encoded.key !== undefined) user["client-key-data"] = encoded.key;
  if (content.token !== undefined) user.token = content.token;
  return toYaml(
    {
      apiVersion: "v1",
      clusters: [{ cluster, name: content.clusterName }],
      contexts: [{ context: { cluster: content.clusterName, user: content.user }, name: contextName }],
      "current-context": contextName,
      kind: "Config",
      preferences: {},
      users: [{ name: content.user, user }],
    },
    { noArrayIndent: true },
  );
}

/** The kubeconfig's *-data values: base64 of the PEM blocks. */
interface EncodedData {
  readonly authority: string | undefined;
  readonly certificate: string | undefined;
  readonly key: string | undefined;
}

/** The URL a control-plane daemon on `node` uses for its own apiserver. */
export function ownNodeServer(node: NodePlan, plan: ClusterPlan): string {
  return `https://${hostPort(node.ip, plan.controlPlane.apiserverPort)}`;
}
