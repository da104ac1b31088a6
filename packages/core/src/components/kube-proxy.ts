// kube-proxy on every node, masters too (S19, S24): the seed's flags for its own releases, and for
// current releases --config with a KubeProxyConfiguration (the documented home of those settings).
// Facts: shared/reference/k8s-versions.md ("kube-proxy").
import { toYaml } from "../render/yaml.js";
import type { Artifact } from "../artifact.js";
import { renderTemplate } from "../render/template.js";
import { podRanges } from "../plan/plan.js";
import { FlagSet } from "../versions/flags.js";
import { artifact, type NodeContext } from "./context.js";
import { execStart } from "./kubelet.js";

export const KUBE_PROXY_UNIT_PATH = "/etc/systemd/system/kube-proxy.service";
export const KUBE_PROXY_CONFIG_PATH = "/var/lib/kube-proxy/config.yaml";
/** Written by the PKI (S15). */
export const KUBE_PROXY_KUBECONFIG = "/var/lib/kube-proxy/kubeconfig";
export const KUBE_PROXY_BINARY = "/usr/local/bin/kube-proxy";

/** kube-proxy's command-line flags for this node. */
export function kubeProxyFlags(context: NodeContext): string[] {
  const { plan, profile, node } = context;
  const flags = new FlagSet("kube-proxy", profile);
  if (profile.era === "legacy") {
    // The guide writes --api-servers for kube-proxy too, but kube-proxy's flag has always been
    // --master; plan.controlPlane.apiserverURL is https://MASTER_IP:port in HTTPS mode and the
    // insecure http://MASTER_IP:8080 behind the firewall (S19).
    flags
      .set("--master", plan.controlPlane.apiserverURL)
      .when(plan.security.mode === "https", "--kubeconfig", KUBE_PROXY_KUBECONFIG)
      .set("--hostname-override", node.name)
      // Only where the release knows it: 1.1 and 1.2 do not (FLAG_WINDOWS), later ones would.
      .when(flags.accepts("--cluster-cidr"), "--cluster-cidr", plan.network.podCIDR);
    return flags.toArgs();
  }
  flags.set("--config", KUBE_PROXY_CONFIG_PATH);
  return flags.toArgs();
}

/** KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1). */
export function kubeProxyConfiguration(context: NodeContext): Record<string, unknown> {
  const { plan, node } = context;
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: KUBE_PROXY_KUBECONFIG },
    mode: "iptables",
    // Traffic to a service from outside this range is masqueraded (one range per family, comma-separated).
    clusterCIDR: podRanges(plan).join(","),
    hostnameOverride: node.name,
  };
}

export function kubeProxyArtifacts(context: NodeContext): Artifact[] {
  const { profile, node, plan } = context;
  const legacy = profile.era === "legacy";
  const why = legacy
    ? `Runs kube-proxy on ${node.name}: it programs iptables so that service IPs reach their pods (${plan.security.mode === "https" ? "HTTPS with its kubeconfig" : "plain HTTP behind the firewall"}).`
    : `Runs kube-proxy on ${node.name} with the settings of ${KUBE_PROXY_CONFIG_PATH}: iptables mode, the cluster's pod range and its kubeconfig.`;
  const notes = legacy
    ? ["The from-scratch guide writes --api-servers for kube-proxy; its real flag is --master."]
    : [];
  const unit = artifact(
    KUBE_PROXY_UNIT_PATH,
    renderTemplate("kube-proxy.service.hbs", {
      path: KUBE_PROXY_UNIT_PATH,
      node: node.name,
      why,
      notes,
      execStart: execStart(KUBE_PROXY_BINARY, kubeProxyFlags(context)),
    }),
    { kind: "systemd-unit", why, requirements: ["S9", "S19", "S24"] },
  );
  if (legacy) return [unit];
  const config = artifact(
    KUBE_PROXY_CONFIG_PATH,
    `# ${KUBE_PROXY_CONFIG_PATH}: written by kubescratch for node ${node.name}; read through kube-proxy --config.\n` +
      toYaml(kubeProxyConfiguration(context)),
    {
      kind: "config",
      why: `kube-proxy's settings on ${node.name}: its kubeconfig, iptables mode, the cluster's pod range and the node's name.`,
      requirements: ["S19", "S21"],
    },
  );
  return [unit, config];
}
