// The kubelet on every node, masters included (S18, S24): a systemd unit whose flags are the seed's
// for its own releases (--api-servers, --config=<manifest dir>, --configure-cbr0, ...), and for
// current releases a short command line plus a KubeletConfiguration file, which is where those
// settings moved (staticPodPath, clusterDNS, clusterDomain, registerNode). Every flag goes through a
// FlagSet, so none can fall outside its version window. Facts: shared/reference/k8s-versions.md.
import { systemdWord } from "../render/quote.js";
import { toYaml } from "../render/yaml.js";
import type { Artifact } from "../artifact.js";
import type { CertificateFiles } from "../pki/profiles.js";
import { nodeFamilies, type NodePlan } from "../plan/plan.js";
import { urlHost } from "../net/ip.js";
import { renderTemplate } from "../render/template.js";
import { FlagSet } from "../versions/flags.js";
import {
  artifact,
  CLOUD_CONFIG_PATH,
  cloudProvider,
  hasCloudConfig,
  hostPort,
  type NodeContext,
} from "./context.js";
import { MANIFEST_DIR, RESOLV_CONF_LINK } from "../install-paths.js";
import { CONTAINERD_SOCKET, runtimeUnit } from "./runtime.js";

export const KUBELET_UNIT_PATH = "/etc/systemd/system/kubelet.service";
export const KUBELET_CONFIG_PATH = "/var/lib/kubelet/config.yaml";
/** Written by the PKI (S15), like the kube-proxy's. */
export const KUBELET_KUBECONFIG = "/var/lib/kubelet/kubeconfig";
/** The release tarball's server/bin binaries are installed here in both eras (S9). */
export const KUBELET_BINARY = "/usr/local/bin/kubelet";

/** `ExecStart=` value: the binary and one flag per line, joined with backslash continuations. */
export function execStart(binary: string, args: readonly string[]): string {
  return [binary, ...args].map(systemdWord).join(" \\\n  ");
}

/** Each PKI's certificate files by id: a search of the list per node is quadratic at 1,000 nodes. */
const filesById = new WeakMap<object, ReadonlyMap<string, CertificateFiles | undefined>>();

/** The certificate and key files of one issued certificate (by id, e.g. "kubelet-serving/node-1"). */
export function certificateFiles(context: NodeContext, id: string): CertificateFiles {
  const certificates = context.pki.certificates;
  let byId = filesById.get(certificates);
  if (byId === undefined) {
    const map = new Map<string, CertificateFiles | undefined>();
    // The first of an id wins, as with find().
    for (const certificate of certificates)
      if (!map.has(certificate.id)) map.set(certificate.id, certificate.files);
    byId = map;
    filesById.set(certificates, byId);
  }
  const files = byId.get(id);
  if (!files) throw new Error(`unreachable: the PKI issued no files for ${id}`);
  return files;
}

/**
 * The seed's --api-servers value (S18): https://MASTER_IP in HTTPS mode (the port only when it is
 * not 443), the apiserver's insecure port behind the firewall otherwise.
 */
function legacyApiServers(context: NodeContext): string {
  const { plan } = context;
  if (plan.security.mode !== "https") return plan.controlPlane.apiserverURL;
  const { masterIP, apiserverPort } = plan.controlPlane;
  return apiserverPort === 443
    ? `https://${urlHost(masterIP)}`
    : `https://${hostPort(masterIP, apiserverPort)}`;
}

/** The kubelet's command-line flags for this node (also what the tests read back from the unit). */
export function kubeletFlags(context: NodeContext): string[] {
  const { spec, plan, profile, node } = context;
  const flags = new FlagSet("kubelet", profile);
  const provider = cloudProvider(context);
  if (profile.era === "legacy") {
    const https = plan.security.mode === "https";
    const dns = spec.addons.dns.enabled;
    // S18 in the seed's order, then the runtime (S17), cloud (S1) and serving-certificate (S12) flags.
    flags
      .set("--api-servers", legacyApiServers(context))
      .when(https, "--kubeconfig", KUBELET_KUBECONFIG)
      .set("--config", MANIFEST_DIR)
      .when(dns, "--cluster-dns", plan.network.dnsServiceIP)
      .when(dns, "--cluster-domain", plan.network.clusterDomain)
      .when(spec.runtime.type === "docker", "--docker-root", spec.runtime.rootDir)
      .set("--root-dir", spec.kubelet.rootDir)
      .set("--configure-cbr0", plan.network.bridge.management === "kubelet")
      .set("--register-node", spec.kubelet.registerNode)
      .when(spec.runtime.type === "rkt", "--container-runtime", "rkt")
      .when(provider !== undefined, "--cloud-provider", provider)
      .when(hasCloudConfig(context), "--cloud-config", CLOUD_CONFIG_PATH);
    if (https) {
      const serving = certificateFiles(context, `kubelet-serving/${node.name}`);
      flags.set("--tls-cert-file", serving.certificate).set("--tls-private-key-file", serving.key);
    }
    // The seed gives kube-proxy --hostname-override but not the kubelet: the Node would carry the
    // machine's hostname while kube-proxy, the plan and validate-cluster.sh name the spec's node.
    flags.set("--hostname-override", node.name);
    return flags.toArgs();
  }
  flags
    .set("--config", KUBELET_CONFIG_PATH)
    .set("--kubeconfig", KUBELET_KUBECONFIG)
    .set("--root-dir", spec.kubelet.rootDir)
    // The Node authorizer knows this kubelet as system:node:<name> (its client certificate), so the
    // Node object must carry exactly that name, whatever the machine's hostname is.
    .set("--hostname-override", node.name)
    // Both families' addresses on a dual-stack node, the primary first (the Node's InternalIPs).
    .set(
      "--node-ip",
      nodeFamilies(node)
        .map((part) => part.ip)
        .join(","),
    )
    // In-tree providers cannot run in the kubelet any more (KEP-2395); "external" defers to a
    // cloud-controller-manager.
    .when(provider === "external", "--cloud-provider", "external");
  return flags.toArgs();
}

/** KubeletConfiguration (kubelet.config.k8s.io/v1beta1): the current home of the seed's kubelet flags. */
/** kubeadm's label and taint for control-plane nodes (cmd/kubeadm/app/constants). */
export const CONTROL_PLANE_ROLE_LABEL = "node-role.kubernetes.io/control-plane";
export const CONTROL_PLANE_TAINT = { key: CONTROL_PLANE_ROLE_LABEL, effect: "NoSchedule" } as const;

/** A control-plane node that is not also a worker keeps user pods off (as kubeadm's taint does). */
export function controlPlaneTaint(node: Pick<NodePlan, "roles">): boolean {
  return node.roles.includes("control-plane") && !node.roles.includes("worker");
}

export function kubeletConfiguration(context: NodeContext): Record<string, unknown> {
  const { spec, plan, node } = context;
  const dns = spec.addons.dns.enabled;
  const serving = certificateFiles(context, `kubelet-serving/${node.name}`);
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: certificateFiles(context, "ca").certificate },
    },
    authorization: { mode: "Webhook" },
    // Must match containerd's SystemdCgroup = true (runtime.ts).
    cgroupDriver: "systemd",
    containerRuntimeEndpoint: `unix://${CONTAINERD_SOCKET}`,
    // Was --config=/etc/kubernetes/manifests (S18, S24).
    staticPodPath: MANIFEST_DIR,
    // Were --cluster-dns and --cluster-domain (S18, S30).
    ...(dns ? { clusterDNS: [plan.network.dnsServiceIP], clusterDomain: plan.network.clusterDomain } : {}),
    registerNode: spec.kubelet.registerNode,
    // Set when the kubelet creates its Node, before the admin's nodes.yaml names the same taint.
    ...(controlPlaneTaint(node) ? { registerWithTaints: [CONTROL_PLANE_TAINT] } : {}),
    // The client certificate in the kubeconfig starts the kubelet; it rotates it through the API
    // (kubeadm's setting), and the controller-manager signs what rbac.yaml lets nodes ask for.
    rotateCertificates: true,
    // KUBELET_CERT / KUBELET_KEY (S12).
    tlsCertFile: serving.certificate,
    tlsPrivateKeyFile: serving.key,
    podCIDR: node.podCIDR,
    maxPods: plan.network.maxPodsPerNode,
    resolvConf: spec.kubelet.resolvConf ?? RESOLV_CONF_LINK,
  };
}

export function kubeletArtifacts(context: NodeContext): Artifact[] {
  const { spec, profile, node } = context;
  const legacy = profile.era === "legacy";
  const requirements = ["S9", "S18", "S24"];
  if (legacy && spec.runtime.type === "rkt") requirements.push("S17");
  if (legacy && context.plan.security.mode === "https") requirements.push("S12", "S15");
  if (cloudProvider(context) !== undefined) requirements.push("S1");
  const why = legacy
    ? `Runs the kubelet on ${node.name} with the from-scratch guide's flags: it registers the node, runs the static pods of ${MANIFEST_DIR} and the pods the apiserver assigns.`
    : `Runs the kubelet on ${node.name}: its settings are in ${KUBELET_CONFIG_PATH}, its credentials in ${KUBELET_KUBECONFIG}.`;
  const unit = artifact(
    KUBELET_UNIT_PATH,
    renderTemplate("kubelet.service.hbs", {
      path: KUBELET_UNIT_PATH,
      node: node.name,
      why,
      runtimeUnit: runtimeUnit(context),
      execStart: execStart(KUBELET_BINARY, kubeletFlags(context)),
    }),
    { kind: "systemd-unit", why, requirements },
  );
  if (legacy) return [unit];
  const config = artifact(
    KUBELET_CONFIG_PATH,
    `# ${KUBELET_CONFIG_PATH}: written by kubescratch for node ${node.name}; read through kubelet --config.\n` +
      toYaml(kubeletConfiguration(context)),
    {
      kind: "config",
      why: `The kubelet's settings on ${node.name}: the static pod folder, cluster DNS, webhook authentication and authorization, the containerd socket and the systemd cgroup driver.`,
      requirements: ["S12", "S18", "S24", "S30"],
    },
  );
  return [unit, config];
}
