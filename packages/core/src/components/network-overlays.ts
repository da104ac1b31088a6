// Overlay networks (S3b): flannel, weave and Open vSwitch. No per-node routes are needed; every one
// of them wraps pod packets, so pod interfaces get the smaller MTU of network-mtu.ts.
// - flannel, seed era: flanneld as a systemd unit on every node, its network (and one reservation
//   per node, so flannel leases exactly the node's planned pod range, which cbr0 already carries)
//   in etcd, written once by network/flannel-etcd.sh of the admin bundle.
// - flannel, current: the kube-flannel DaemonSet with net-conf.json (the cluster pod range, vxlan)
//   and a CNI configuration that delegates to the bridge plugin on the seed's bridge name.
// - weave: the weave-net DaemonSet (current releases; weave-kube needs init containers and CNI in
//   the kubelet, which the seed's releases do not have).
// - Open vSwitch: commands for setup.sh that build bridge obr0 with a VXLAN tunnel to every other
//   node and plug it into the pod bridge, so all pod bridges form one L2 segment.
// Facts: flannel-io/flannel Documentation (kube-flannel.yml, configuration.md, reservations.md),
// weave 2.8.1's weave-daemonset-k8s.yaml; image tags are not verified here (override them by
// mirroring, see images.txt).
import { toYaml } from "../render/yaml.js";
import type { Artifact } from "../artifact.js";
import { networkFamilies, nodeFamilies, type NodePlan } from "../plan/plan.js";
import { renderTemplate, templateText } from "../render/template.js";
import { artifact, type ClusterContext, type NodeContext } from "./context.js";
import { podMTU } from "./network-mtu.js";

export const FLANNEL_IMAGE = "ghcr.io/flannel-io/flannel:v0.28.2";
export const FLANNEL_CNI_PLUGIN_IMAGE = "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.0-flannel1";
export const WEAVE_IMAGES = {
  kube: "docker.io/weaveworks/weave-kube:2.8.1",
  npc: "docker.io/weaveworks/weave-npc:2.8.1",
} as const;
/** The prefix of flannel's Node annotations (pkg/subnet/kube/annotations.go). */
export const FLANNEL_ANNOTATION_PREFIX = "flannel.alpha.coreos.com/";
/** flannel's default etcd prefix; flanneld and the etcd script agree on it. */
export const FLANNEL_ETCD_PREFIX = "/coreos.com/network";
export const FLANNEL_UNIT_PATH = "/etc/systemd/system/flanneld.service";
export const FLANNEL_BINARY = "/usr/local/bin/flanneld";
export const FLANNEL_SUBNET_FILE = "/run/flannel/subnet.env";
export const OVS_BRIDGE = "obr0";
/** The veth pair that joins the pod bridge (first name) and obr0 (second name). */
export const OVS_LINK = { bridgeSide: "cbr-obr", ovsSide: "obr-cbr" } as const;

type KubernetesObject = Record<string, unknown>;

function yamlDocuments(header: string, objects: readonly KubernetesObject[]): string {
  return header + objects.map((object) => toYaml(object)).join("---\n");
}

/**
 * flannel's network configuration (net-conf.json, or the etcd key of the seed's flanneld): one part
 * per family. IPv4 is on unless EnableIPv4 is false; IPv6 needs EnableIPv6 and IPv6Network
 * (pkg/subnet/config.go). With the kube subnet manager flannel leases each node the ranges of its
 * Node's podCIDRs; the sizes here describe the same split.
 */
export function flannelNetworkConfig(context: Pick<ClusterContext, "plan">): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const families = networkFamilies(context.plan);
  if (!families.some((part) => part.family === "ipv4")) config.EnableIPv4 = false;
  for (const part of families) {
    if (part.family === "ipv4") {
      config.Network = part.podCIDR;
      config.SubnetLen = part.nodePodCIDRPrefix;
    } else {
      config.EnableIPv6 = true;
      config.IPv6Network = part.podCIDR;
      config.IPv6SubnetLen = part.nodePodCIDRPrefix;
    }
  }
  config.Backend = { Type: "vxlan" };
  return config;
}

/** The CNI configuration flannel's install-cni puts on every node (current releases). */
export function flannelCniConfig(context: Pick<ClusterContext, "plan">): Record<string, unknown> {
  const { network } = context.plan;
  return {
    name: "kubescratch-flannel",
    cniVersion: "1.0.0",
    plugins: [
      {
        type: "flannel",
        // Passed on to the bridge plugin: the seed's bridge name, and the MTU that leaves room for VXLAN.
        delegate: {
          bridge: network.bridge.name,
          mtu: podMTU(network),
          hairpinMode: true,
          isDefaultGateway: true,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
}

/**
 * Whether flannel takes each node's tunnel addresses from its Node (flannelNodeAnnotations): on a
 * dual-stack cluster of today's flannel. Without them flanneld finds the interface by
 * --iface=$(POD_IP), the primary address, and takes that interface's first address of the other
 * family: whatever sorts first, and nothing at all when the primary is IPv6 (LookupExtIface then has
 * no interface). A single-stack node's primary address is its tunnel's.
 */
export function flannelTakesNodeAddresses(context: Pick<ClusterContext, "plan" | "profile">): boolean {
  const { network } = context.plan;
  return (
    network.mode === "overlay" &&
    network.overlay === "flannel" &&
    context.profile.era === "current" &&
    network.secondary !== undefined
  );
}

/**
 * A node's tunnel addresses for flannel, as annotations of its Node: flanneld takes them as
 * --public-ip and --public-ipv6 when it starts (node-public-ip and node-public-ipv6, read by
 * GetStoredPublicIP in v0.28). Empty where flannelTakesNodeAddresses is false.
 */
export function flannelNodeAnnotations(
  context: Pick<ClusterContext, "plan" | "profile">,
  node: NodePlan,
): Record<string, string> {
  if (!flannelTakesNodeAddresses(context)) return {};
  return Object.fromEntries(
    nodeFamilies(node).map((part) => [
      `${FLANNEL_ANNOTATION_PREFIX}${part.family === "ipv6" ? "node-public-ipv6" : "node-public-ip"}`,
      part.ip,
    ]),
  );
}

function flannelObjects(context: ClusterContext): KubernetesObject[] {
  const namespace = "kube-flannel";
  const labels = { app: "flannel", tier: "node" };
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace, labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "flannel", namespace } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "flannel" },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "flannel" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "flannel" },
      subjects: [{ kind: "ServiceAccount", name: "flannel", namespace }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kube-flannel-cfg", namespace, labels },
      data: {
        "cni-conf.json": json(flannelCniConfig(context)),
        "net-conf.json": json(flannelNetworkConfig(context)),
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "kube-flannel-ds", namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            serviceAccountName: "flannel",
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
            initContainers: [
              {
                name: "install-cni-plugin",
                image: FLANNEL_CNI_PLUGIN_IMAGE,
                command: ["cp"],
                args: ["-f", "/flannel", "/opt/cni/bin/flannel"],
                volumeMounts: [{ name: "cni-plugin", mountPath: "/opt/cni/bin" }],
              },
              {
                name: "install-cni",
                image: FLANNEL_IMAGE,
                command: ["cp"],
                args: ["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
                volumeMounts: [
                  { name: "cni", mountPath: "/etc/cni/net.d" },
                  { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                ],
              },
            ],
            containers: [
              {
                name: "kube-flannel",
                image: FLANNEL_IMAGE,
                command: ["/opt/bin/flanneld"],
                // Node ranges come from Node.spec.podCIDR (the controller-manager allocates them);
                // the tunnel uses the node's own address; masquerading is the node's S21 rule.
                args: ["--kube-subnet-mgr", "--iface=$(POD_IP)"],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                  { name: "EVENT_QUEUE_DEPTH", value: "5000" },
                ],
                resources: { requests: { cpu: "100m", memory: "50Mi" } },
                securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                volumeMounts: [
                  { name: "run", mountPath: "/run/flannel" },
                  { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                ],
              },
            ],
            volumes: [
              { name: "run", hostPath: { path: "/run/flannel" } },
              // The container's /opt/cni/bin is the node's runtime.cniBinDir.
              { name: "cni-plugin", hostPath: { path: context.spec.runtime.cniBinDir } },
              { name: "cni", hostPath: { path: "/etc/cni/net.d" } },
              { name: "flannel-cfg", configMap: { name: "kube-flannel-cfg" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
  ];
}

function weaveObjects(context: ClusterContext): KubernetesObject[] {
  const namespace = "kube-system";
  const labels = { name: "weave-net" };
  const name = "weave-net";
  const hostname = {
    name: "HOSTNAME",
    valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } },
  };
  const xtablesLock = { name: "xtables-lock", mountPath: "/run/xtables.lock" };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels },
      rules: [
        { apiGroups: [""], resources: ["pods", "namespaces", "nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch", "update"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace, labels },
      rules: [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          resourceNames: ["weave-net"],
          verbs: ["get", "update"],
        },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name, namespace, labels },
      spec: {
        selector: { matchLabels: labels },
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            dnsPolicy: "ClusterFirstWithHostNet",
            priorityClassName: "system-node-critical",
            serviceAccountName: name,
            tolerations: [
              { operator: "Exists", effect: "NoSchedule" },
              { operator: "Exists", effect: "NoExecute" },
            ],
            initContainers: [
              {
                name: "weave-init",
                image: WEAVE_IMAGES.kube,
                command: ["/home/weave/init.sh"],
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: "cni-bin", mountPath: "/host/opt" },
                  { name: "cni-bin2", mountPath: "/host/home" },
                  { name: "cni-conf", mountPath: "/host/etc" },
                  { name: "lib-modules", mountPath: "/lib/modules" },
                  xtablesLock,
                ],
              },
            ],
            containers: [
              {
                name: "weave",
                image: WEAVE_IMAGES.kube,
                command: ["/home/weave/launch.sh"],
                env: [
                  hostname,
                  { name: "INIT_CONTAINER", value: "true" },
                  // weave's own IPAM hands out pod addresses from the cluster pod range.
                  { name: "IPALLOC_RANGE", value: context.plan.network.podCIDR },
                  { name: "WEAVE_MTU", value: String(podMTU(context.plan.network)) },
                ],
                readinessProbe: { httpGet: { host: "127.0.0.1", path: "/status", port: 6784 } },
                resources: { requests: { cpu: "50m" } },
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: "weavedb", mountPath: "/weavedb" },
                  { name: "dbus", mountPath: "/host/var/lib/dbus", readOnly: true },
                  { name: "cni-machine-id", mountPath: "/host/etc/machine-id", readOnly: true },
                  xtablesLock,
                ],
              },
              {
                name: "weave-npc",
                image: WEAVE_IMAGES.npc,
                env: [hostname],
                resources: { requests: { cpu: "50m" } },
                securityContext: { privileged: true },
                volumeMounts: [xtablesLock],
              },
            ],
            volumes: [
              { name: "weavedb", hostPath: { path: "/var/lib/weave" } },
              { name: "cni-bin", hostPath: { path: "/opt" } },
              { name: "cni-bin2", hostPath: { path: "/home" } },
              { name: "cni-conf", hostPath: { path: "/etc" } },
              { name: "cni-machine-id", hostPath: { path: "/etc/machine-id" } },
              { name: "dbus", hostPath: { path: "/var/lib/dbus" } },
              { name: "lib-modules", hostPath: { path: "/lib/modules" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
  ];
}

/** The Kubernetes objects of the overlay, for the admin to apply (current releases). */
export function overlayObjects(context: ClusterContext): KubernetesObject[] {
  const { network } = context.plan;
  if (network.mode !== "overlay" || context.profile.era !== "current") return [];
  if (network.overlay === "flannel") return flannelObjects(context);
  if (network.overlay === "weave") return weaveObjects(context);
  return [];
}

function subnetKey(node: NodePlan): string {
  return `${FLANNEL_ETCD_PREFIX}/subnets/${node.podCIDR.replace("/", "-")}`;
}

/** Seed era: the flannel unit on every node. */
export function flannelUnitArtifacts(context: NodeContext, networkUnit: string): Artifact[] {
  const { plan, profile, node } = context;
  if (plan.network.mode !== "overlay" || plan.network.overlay !== "flannel" || profile.era !== "legacy")
    return [];
  const endpoints = plan.etcd.members.map((member) => member.clientURL).join(",");
  const flags = [
    `-etcd-endpoints=${endpoints}`,
    `-etcd-prefix=${FLANNEL_ETCD_PREFIX}`,
    // The tunnel runs between the nodes' addresses of the spec, whatever the default route says.
    `-iface=${node.ip}`,
    // The node's own S21 rule masquerades; flannel adds none.
    "-ip-masq=false",
    `-subnet-file=${FLANNEL_SUBNET_FILE}`,
  ];
  const why = `Runs flanneld on ${node.name}: it leases ${node.podCIDR} from etcd and routes the other nodes' pod ranges through a VXLAN device.`;
  return [
    artifact(
      FLANNEL_UNIT_PATH,
      renderTemplate("flanneld.service.hbs", {
        path: FLANNEL_UNIT_PATH,
        node: node.name,
        why,
        networkUnit,
        execStart: [FLANNEL_BINARY, ...flags].join(" \\\n  "),
      }),
      { kind: "systemd-unit", why, requirements: ["S3", "S24"] },
    ),
  ];
}

export const FLANNEL_ETCD_SCRIPT_PATH = "network/flannel-etcd.sh";
export const OVERLAY_MANIFEST_PATHS = {
  flannel: "addons/flannel.yaml",
  weave: "addons/weave-net.yaml",
} as const;
export const WEAVE_NOTE_PATH = "network/weave.txt";

/** The admin bundle's overlay files. */
export function overlayClusterArtifacts(context: ClusterContext): Artifact[] {
  const { plan, profile } = context;
  const network = plan.network;
  if (network.mode !== "overlay") return [];
  const mtu = podMTU(network);
  if (network.overlay === "flannel" && profile.era === "legacy") {
    const why = `Writes flannel's network (${network.podCIDR}, VXLAN) and one reservation per node into etcd, so each node leases its planned pod range.`;
    const reservations = plan.nodes.map((node) => ({
      key: subnetKey(node),
      value: JSON.stringify({ PublicIP: node.ip, BackendType: "vxlan" }),
    }));
    return [
      artifact(
        FLANNEL_ETCD_SCRIPT_PATH,
        renderTemplate("flannel-etcd-config.sh.hbs", {
          path: FLANNEL_ETCD_SCRIPT_PATH,
          cluster: plan.clusterName,
          why,
          endpoints: plan.etcd.members.map((member) => member.clientURL).join(","),
          prefix: network.nodePodCIDRPrefix,
          configKey: `${FLANNEL_ETCD_PREFIX}/config`,
          config: JSON.stringify(flannelNetworkConfig(context)),
          reservations,
        }),
        { kind: "script", why, requirements: ["S3", "S4"] },
      ),
    ];
  }
  if (network.overlay === "flannel" || network.overlay === "weave") {
    const objects = overlayObjects(context);
    if (objects.length === 0) {
      // weave with 1.1 and 1.2: see the note's text.
      const why = "Explains why weave is not generated for Kubernetes 1.1 and 1.2 and what to use instead.";
      return [
        artifact(WEAVE_NOTE_PATH, templateText("weave.txt"), { kind: "text", why, requirements: ["S3"] }),
      ];
    }
    const overlay = network.overlay;
    const why =
      overlay === "flannel"
        ? `flannel for the pod network: node ranges from ${network.podCIDR}, VXLAN, pod MTU ${mtu}, bridge ${network.bridge.name} made by its CNI plugin.`
        : `weave-net for the pod network: pod addresses from ${network.podCIDR}, pod MTU ${mtu}.`;
    const header = renderTemplate("overlay-manifest-header.yaml.hbs", {
      path: OVERLAY_MANIFEST_PATHS[overlay],
      cluster: plan.clusterName,
      why,
      notes:
        overlay === "weave"
          ? ["Weaveworks archived weave in 2024; the images are its last release (2.8.1)."]
          : [],
    });
    return [
      artifact(OVERLAY_MANIFEST_PATHS[overlay], yamlDocuments(header, objects), {
        kind: "kubernetes-manifest",
        why,
        requirements: ["S3"],
      }),
    ];
  }
  return [];
}

/** FNV-1a (32 bits) in hex: short, stable interface names from node names. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** The OVS tunnel port towards a node: "vx" and a hash of its name (interface names have 15 characters). */
export function tunnelPort(node: NodePlan): string {
  return `vx${fnv1a(node.name)}`;
}

/**
 * The values of setup.sh's Open vSwitch section (templates/setup-network/openvswitch.sh.hbs): obr0, a
 * VXLAN port per other node (protected ports forward only to the local bridge, never to another
 * tunnel: a full mesh without loops), stale tunnels removed, and a veth pair into the pod bridge.
 */
export function openvswitchValues(context: NodeContext): Record<string, unknown> {
  const { plan, node } = context;
  const others = plan.nodes.filter((other) => other.name !== node.name);
  const keep = others.map(tunnelPort);
  return {
    ovsBridge: OVS_BRIDGE,
    bridge: plan.network.bridge.name,
    mtu: podMTU(plan.network),
    tunnels: others.map((other) => ({
      name: other.name,
      ip: other.ip,
      podCIDR: other.podCIDR,
      port: tunnelPort(other),
    })),
    // The case pattern of the tunnels to keep (none: every vx* port goes).
    keep: keep.length > 0 ? [keep.join(" | ")] : [],
    bridgeSide: OVS_LINK.bridgeSide,
    ovsSide: OVS_LINK.ovsSide,
  };
}

/** setup.sh's notes for overlays that bring their own bridge or routes: [bridge, routes]. */
export function overlayNotes(context: NodeContext): { bridge: string; routes: string } | undefined {
  const { plan, profile } = context;
  const network = plan.network;
  if (network.mode !== "overlay") return undefined;
  const mtu = podMTU(network);
  const bridge = network.bridge.name;
  switch (network.overlay) {
    case "flannel":
      return profile.era === "legacy"
        ? {
            bridge: "",
            routes: `flanneld (${FLANNEL_UNIT_PATH}) routes the other nodes' pod ranges through its VXLAN device.`,
          }
        : {
            bridge: `flannel's CNI plugin (${OVERLAY_MANIFEST_PATHS.flannel}) creates ${bridge} with MTU ${mtu} for the first pod; nothing to do here.`,
            routes: `flannel (${OVERLAY_MANIFEST_PATHS.flannel}) routes the other nodes' pod ranges through its VXLAN device.`,
          };
    case "weave":
      return profile.era === "legacy"
        ? {
            bridge: "",
            routes: `weave is not generated for Kubernetes ${profile.minor} (see ${WEAVE_NOTE_PATH} in the admin bundle).`,
          }
        : {
            bridge: `weave-net (${OVERLAY_MANIFEST_PATHS.weave}) brings its own bridge (weave) with MTU ${mtu}; nothing to do here.`,
            routes: `weave-net (${OVERLAY_MANIFEST_PATHS.weave}) routes the pod range between its peers.`,
          };
    case "openvswitch":
    case undefined:
      return undefined;
  }
}
