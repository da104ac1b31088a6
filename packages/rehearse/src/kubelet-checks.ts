// What a kubelet does on its own once it runs: renews its client certificate through the API
// (rotateCertificates), and hands pods the node's upstream name servers, never a local stub. Read
// from each node's bundle as installed (its kubelet unit, configuration file and kubeconfig), then
// checked on the running cluster and on the node.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { waitFor, type RunResult } from "./exec.js";
import { tail } from "./layout.js";
import type { SandboxNode } from "./sandbox.js";
import type { Kubectl } from "./checks.js";

/** The signer a kubelet's client certificate request names (certificates.k8s.io/v1). */
const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";

/**
 * client-go's certificate manager renews at a random moment between 70 % and 90 % of the
 * certificate's lifetime (nextRotationDeadline): past 90 % every kubelet renews as soon as it starts.
 */
const CERTAIN_ROTATION = 0.9;

export interface KubeletSettings {
  readonly node: string;
  /** The certificate the bundle's kubeconfig starts the kubelet with. */
  readonly clientCertificate: X509Certificate | undefined;
  /** The configuration file's rotateCertificates. */
  readonly rotatesCertificates: boolean;
  /** Where the kubelet keeps the certificates it renews: <root-dir>/pki/kubelet-client-current.pem. */
  readonly currentCertificateFile: string;
  /** The configuration file's resolvConf (the kubelet's default when unset). */
  readonly resolvConf: string;
}

function flag(unit: string, name: string): string | undefined {
  return new RegExp(`--${name}=(\\S+)`).exec(unit)?.[1];
}

async function yamlFile(bundle: string, path: string | undefined): Promise<Record<string, unknown>> {
  if (path === undefined) return {};
  const text = await readFile(join(bundle, path), "utf8").catch(() => "");
  const value = text ? load(text) : undefined;
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** The kubelet's settings as a node's bundle writes them (undefined: the bundle has no kubelet unit). */
export async function kubeletSettings(node: string, bundle: string): Promise<KubeletSettings | undefined> {
  const unit = await readFile(join(bundle, "etc/systemd/system/kubelet.service"), "utf8").catch(() => "");
  if (!unit) return undefined;
  const config = await yamlFile(bundle, flag(unit, "config"));
  const kubeconfig = (await yamlFile(bundle, flag(unit, "kubeconfig"))) as {
    users?: { user?: Record<string, unknown> }[];
  };
  const certificateData = kubeconfig.users?.[0]?.user?.["client-certificate-data"];
  const rootDir = flag(unit, "root-dir") ?? "/var/lib/kubelet";
  return {
    node,
    clientCertificate:
      typeof certificateData === "string"
        ? new X509Certificate(Buffer.from(certificateData, "base64"))
        : undefined,
    rotatesCertificates: config.rotateCertificates === true,
    currentCertificateFile: `${rootDir}/pki/kubelet-client-current.pem`,
    resolvConf: typeof config.resolvConf === "string" ? config.resolvConf : "/etc/resolv.conf",
  };
}

/** How much of a certificate's lifetime has passed at `now`, from 0 to 1 (or more once expired). */
export function lifetimeUsed(certificate: X509Certificate, now: number): number {
  const start = Date.parse(certificate.validFrom);
  const end = Date.parse(certificate.validTo);
  return (now - start) / (end - start);
}

/** The kubelet must renew its client certificate during the rehearsal: it rotates, and is past 90 %. */
export function renewalDue(settings: KubeletSettings, now: number): boolean {
  return (
    settings.rotatesCertificates &&
    settings.clientCertificate !== undefined &&
    lifetimeUsed(settings.clientCertificate, now) >= CERTAIN_ROTATION
  );
}

/** The last lines a failed command printed, as the checks report them. */
const output = (result: RunResult): string => tail(result, 6);

interface SigningRequest {
  metadata: { name: string; creationTimestamp?: string };
  spec: { username?: string; signerName?: string };
  status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

function conditionsOf(request: SigningRequest): string {
  const conditions = request.status?.conditions ?? [];
  return conditions.length === 0 ? "Pending" : conditions.map((condition) => condition.type).join(",");
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * The kubelet renewed its client certificate through the API: it sent a kube-apiserver-client-kubelet
 * request as system:node:<name>, the controller-manager approved and signed it with the cluster CA,
 * the kubelet keeps the signed certificate as kubelet-client-current.pem, and its node Lease is
 * renewed after the switch (the kubelet authenticates with the new certificate).
 */
export async function kubeletRenewedClientCertificate(
  kubectl: Kubectl,
  node: SandboxNode,
  settings: KubeletSettings,
  timeoutMs: number,
): Promise<string | undefined> {
  const bundled = settings.clientCertificate;
  if (!bundled) return "the bundle's kubeconfig holds no client certificate";
  const username = `system:node:${settings.node}`;
  const signed = await waitFor(
    `a signed certificate request from ${username}`,
    async () => {
      const result = await kubectl(["get", "certificatesigningrequests", "-o", "json"]);
      if (result.code !== 0) throw new Error(output(result));
      const requests = (JSON.parse(result.stdout) as { items: SigningRequest[] }).items.filter(
        (request) => request.spec.username === username && request.spec.signerName === KUBELET_CLIENT_SIGNER,
      );
      const issued = requests
        .filter(
          (request) =>
            request.status?.certificate &&
            (request.status.conditions ?? []).some(
              (condition) => condition.type === "Approved" && condition.status === "True",
            ),
        )
        .sort((a, b) =>
          (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""),
        )
        .at(-1);
      if (!issued)
        throw new Error(
          requests.length === 0
            ? `no request from ${username} with signer ${KUBELET_CLIENT_SIGNER}`
            : requests.map((request) => `${request.metadata.name}: ${conditionsOf(request)}`).join(", "),
        );
      const pem = Buffer.from(issued.status?.certificate ?? "", "base64").toString("utf8");
      return { name: issued.metadata.name, certificate: new X509Certificate(pem) };
    },
    timeoutMs,
    3000,
  );
  const certificate = signed.certificate;
  const problems: string[] = [];
  if (certificate.serialNumber === bundled.serialNumber) problems.push("it is the bundle's certificate");
  if (certificate.issuer !== bundled.issuer)
    problems.push(`issued by ${certificate.issuer}, not by the bundle's CA ${bundled.issuer}`);
  if (certificate.subject !== bundled.subject)
    problems.push(`its subject ${certificate.subject} is not ${bundled.subject}`);
  if (problems.length > 0) return `${signed.name}: ${problems.join("; ")}`;

  let inUse: number;
  try {
    inUse = await waitFor(
      `${settings.currentCertificateFile} to hold the certificate of ${signed.name}`,
      async () => {
        const file = await node.exec(["cat", settings.currentCertificateFile], { allowFailure: true });
        const pem = PEM_CERTIFICATE.exec(file.stdout)?.[0];
        if (!pem) throw new Error(output(file) || "no certificate in the file");
        const serial = new X509Certificate(pem).serialNumber;
        if (serial !== certificate.serialNumber) throw new Error(`it holds serial ${serial}`);
        return Date.now();
      },
      60_000,
    );
  } catch (caught) {
    return caught instanceof Error ? caught.message : String(caught);
  }
  try {
    await waitFor(
      `${settings.node}'s node Lease to be renewed with the new certificate`,
      async () => {
        const result = await kubectl([
          "-n",
          "kube-node-lease",
          "get",
          "lease",
          settings.node,
          "-o",
          "jsonpath={.spec.renewTime}",
        ]);
        if (result.code !== 0) throw new Error(output(result));
        const renewed = Date.parse(result.stdout.trim());
        if (!(renewed > inUse)) throw new Error(`last renewed at ${result.stdout.trim()}`);
        return true;
      },
      60_000,
    );
  } catch (caught) {
    return caught instanceof Error ? caught.message : String(caught);
  }
  return undefined;
}

function nameServers(text: string): string[] {
  return text
    .split("\n")
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((server): server is string => server !== undefined);
}

const LOOPBACK = /^(127\.|::1$)/;

/**
 * The node is a systemd-resolved host (resolved runs; /etc/resolv.conf names only its stub), and the
 * kubelet's resolv.conf, which CoreDNS forwards to, names upstream servers, none of them loopback.
 */
export async function kubeletAvoidsResolvedStub(
  node: SandboxNode,
  settings: KubeletSettings,
): Promise<string | undefined> {
  const active = await node.exec(["systemctl", "is-active", "systemd-resolved.service"], {
    allowFailure: true,
  });
  if (active.stdout.trim() !== "active")
    return `systemd-resolved is ${active.stdout.trim() || "not running"}`;
  const hostServers = nameServers((await node.exec(["cat", "/etc/resolv.conf"])).stdout);
  if (hostServers.join(" ") !== "127.0.0.53")
    return `/etc/resolv.conf names ${hostServers.join(", ") || "nothing"}, not only the stub 127.0.0.53`;
  const target = (
    await node.exec(["readlink", "-f", settings.resolvConf], { allowFailure: true })
  ).stdout.trim();
  const file = await node.exec(["cat", settings.resolvConf], { allowFailure: true });
  if (file.code !== 0) return `the kubelet's ${settings.resolvConf}: ${output(file)}`;
  const servers = nameServers(file.stdout);
  if (servers.length === 0) return `the kubelet's ${settings.resolvConf} (${target}) names no server`;
  const loopback = servers.filter((server) => LOOPBACK.test(server));
  return loopback.length === 0
    ? undefined
    : `the kubelet's ${settings.resolvConf} (${target}) names ${loopback.join(", ")}: CoreDNS would forward to itself`;
}
