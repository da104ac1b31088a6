// The node's pod network (S3, S4, S6, S16, S20, S21): one idempotent script, setup.sh, that makes
// the kernel's network state what the plan says, and the files it relies on, which install.sh places:
// the sysctl.d file that keeps forwarding on across reboots, the CNI configuration containerd reads
// (current releases), and a oneshot unit that runs setup.sh at boot before the runtime starts.
//
// setup.sh changes links, addresses, routes, iptables rules and sysctls, and nothing else: it writes
// no file, so it runs unchanged inside a network namespace (the tests do exactly that). Every step
// checks before it changes, so a second run leaves the same routes and rules.
import type { Artifact } from "../artifact.js";
import { artifact, cloudProvider, isControlPlane, type ClusterContext, type NodeContext } from "./context.js";
import { renderTemplate } from "../render/template.js";
import { familyName, type IpFamily } from "../net/ip.js";
import { networkFamilies, nodeFamilies } from "../plan/plan.js";
import { podMTU } from "./network-mtu.js";
import {
  flannelUnitArtifacts,
  openvswitchValues,
  overlayClusterArtifacts,
  overlayNotes,
  OVS_BRIDGE,
} from "./network-overlays.js";
import { runtimeUnit } from "./runtime.js";

export const NETWORK_SETUP_PATH = "/etc/kubernetes/network/setup.sh";
/** The routed cluster's pod range table, beside setup.sh; the same file on every node. */
export const POD_ROUTES_PATH = "/etc/kubernetes/network/pod-routes";
export const NETWORK_UNIT_NAME = "kubescratch-network.service";
export const NETWORK_UNIT_PATH = `/etc/systemd/system/${NETWORK_UNIT_NAME}`;
export const NETWORK_SYSCTL_PATH = "/etc/sysctl.d/60-kubescratch-network.conf";
export const NETWORK_MODULES_PATH = "/etc/modules-load.d/kubescratch-network.conf";
export const ROUTE_PROTOCOLS_PATH = "/etc/iproute2/rt_protos.d/kubescratch.conf";
export const CNI_BRIDGE_PATH = "/etc/cni/net.d/10-bridge.conf";
export const CNI_LOOPBACK_PATH = "/etc/cni/net.d/99-loopback.conf";
/** The newest CNI spec version Debian's plugins (1.1.1) and containerd 1.6+ accept. */
export const CNI_VERSION = "1.0.0";
/**
 * The routing protocol number setup.sh tags its routes with (`ip route ... proto 75`), so that it can
 * tell its own routes from everyone else's and remove the ones the plan no longer has. 75 is unused
 * by the kernel and the common routing daemons; rt_protos.d names it "kubescratch".
 */
export const ROUTE_PROTOCOL = 75;
/** The filter chain with the control plane's firewall rules (S6), jumped to from INPUT. */
export const FIREWALL_CHAIN = "KUBESCRATCH-APISERVER";

function familyOf(cidrOrIp: string): IpFamily {
  return cidrOrIp.includes(":") ? "ipv6" : "ipv4";
}

function iptables(family: IpFamily): "iptables" | "ip6tables" {
  return family === "ipv6" ? "ip6tables" : "iptables";
}

function forwardingSysctl(family: IpFamily): string {
  return family === "ipv6" ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward";
}

/** A route setup.sh writes itself (overlays); a routed cluster's come from pod-routes. */
interface PodRoute {
  readonly destination: string;
  readonly device: string;
  readonly comment: string;
}

/** Whether setup.sh creates the pod bridge (S20). */
export function setupCreatesBridge(context: NodeContext): boolean {
  const { network } = context.plan;
  if (network.bridge.management === "kubelet") return false;
  // flannel's and weave's CNI plugins bring their own bridge on current releases.
  if (context.profile.era === "current" && network.mode === "overlay" && network.overlay !== "openvswitch")
    return false;
  return true;
}

/** Whether the node gets kubescratch's CNI bridge configuration (current releases, own bridge). */
export function writesCniBridge(context: NodeContext): boolean {
  return context.profile.era === "current" && setupCreatesBridge(context);
}

/**
 * The routes setup.sh owns on this node besides a routed cluster's table (podRouteTable): with Open
 * vSwitch, the whole pod range on the pod bridge.
 */
function overlayRoutes(context: NodeContext): PodRoute[] {
  const network = context.plan.network;
  if (network.mode === "overlay" && network.overlay === "openvswitch" && setupCreatesBridge(context)) {
    return [
      {
        destination: network.podCIDR,
        device: network.bridge.name,
        comment: `every pod bridge is on one segment through ${OVS_BRIDGE}`,
      },
    ];
  }
  return [];
}

/**
 * The seed's masquerade rule (S21), as iptables arguments after the -C/-A/-D flag; a dual-stack
 * cluster's second family gets the same rule for its own pod range (ip6tables or iptables).
 */
export function masqueradeRule(context: ClusterContext, podCIDR = context.plan.network.podCIDR): string[] {
  return [
    "POSTROUTING",
    "!",
    "-d",
    podCIDR,
    "-m",
    "addrtype",
    "!",
    "--dst-type",
    "LOCAL",
    "-j",
    "MASQUERADE",
  ];
}

export interface RuleSet {
  readonly tool: "iptables" | "ip6tables";
  /** iptables-restore input; loaded with --noflush, so only the chain it declares is replaced. */
  readonly rules: string;
}

/**
 * The control plane's firewall (S6): the apiserver's secure port open to everyone; in firewall-only
 * mode the insecure port open to the cluster's own networks (loopback, every node, the pod range) and
 * refused to the rest. Undefined on nodes without the control-plane role.
 */
export function firewallRules(
  context: NodeContext,
  family: IpFamily = familyOf(context.node.ip),
): RuleSet | undefined {
  if (!isControlPlane(context)) return undefined;
  const { plan, profile } = context;
  const host = family === "ipv6" ? 128 : 32;
  const secure = plan.controlPlane.apiserverPort;
  const insecureAccepts: { match: string; port: number; what: string }[] = [];
  const insecureRejects: number[] = [];
  const insecure = profile.apiserverInsecurePort;
  if (plan.security.mode === "firewall-only" && insecure !== undefined) {
    const accept = (match: string, what: string) => insecureAccepts.push({ match, port: insecure, what });
    accept("-i lo", "insecure port: this node");
    for (const member of plan.nodes.filter((each) => familyOf(each.ip) === family))
      accept(`-s ${member.ip}/${host}`, `insecure port: ${member.name}`);
    if (familyOf(plan.network.podCIDR) === family)
      accept(`-s ${plan.network.podCIDR}`, "insecure port: pods");
    insecureRejects.push(insecure);
  }
  const rules = renderTemplate("firewall.rules.hbs", {
    chain: FIREWALL_CHAIN,
    securePort: secure,
    insecureAccepts,
    insecureRejects,
  });
  return { tool: iptables(family), rules };
}

/** kubescratch's CNI bridge configuration: the bridge plugin on the pod bridge, host-local IPAM. */
export function cniBridgeConfig(context: NodeContext): Record<string, unknown> {
  const { plan, node } = context;
  const network = plan.network;
  const families = nodeFamilies(node);
  return {
    cniVersion: CNI_VERSION,
    name: "kubescratch",
    type: "bridge",
    bridge: network.bridge.name,
    // The pod bridge's address (NODE_X_BRIDGE_ADDR) is the pods' gateway, as setup.sh assigned it.
    isGateway: true,
    // Pod IPs are routed as they are (S3a); traffic leaving the cluster is masqueraded by setup.sh's
    // one S21 rule, not per pod (the plugin would also masquerade pod traffic to other nodes).
    ipMasq: false,
    hairpinMode: true,
    mtu: podMTU(network),
    ipam: {
      type: "host-local",
      // One range set per family: a dual-stack pod gets an address of each.
      ranges: families.map((part) => [{ subnet: part.podCIDR, gateway: part.bridgeIP }]),
      routes: families.map((part) => ({ dst: part.family === "ipv6" ? "::/0" : "0.0.0.0/0" })),
    },
  };
}

export function cniLoopbackConfig(): Record<string, unknown> {
  return { cniVersion: CNI_VERSION, name: "lo", type: "loopback" };
}

/** The sections of setup.sh, each a template under templates/setup-network/. */
type SetupSection =
  | "forwarding"
  | "docker0"
  | "bridge"
  | "bridge-kubelet"
  | "bridge-overlay"
  | "openvswitch"
  | "routes-from-table"
  | "routes"
  | "masquerade"
  | "no-masquerade"
  | "firewall";

/** Whether setup.sh routes every other node's pod range from the shared table (S3a). */
export function routesFromTable(plan: NodeContext["plan"]): boolean {
  return plan.network.mode === "routed" && plan.network.bridge.management !== "kubelet";
}

const routeTableCache = new WeakMap<object, string>();

/**
 * pod-routes: every node's pod range and address, one line each, in plan order. The same bytes on
 * every node (setup.sh skips its own line), so a node's script does not grow with the cluster and a
 * node joining or leaving changes this one file everywhere. Built once per plan.
 */
export function podRouteTable(plan: NodeContext["plan"]): string {
  let table = routeTableCache.get(plan);
  if (table === undefined) {
    table = renderTemplate("pod-routes.hbs", {
      path: POD_ROUTES_PATH,
      cluster: plan.clusterName,
      protocol: ROUTE_PROTOCOL,
      // A dual-stack node's second range follows its first, via its address of that family.
      rows: plan.nodes.flatMap((node) =>
        nodeFamilies(node).map((part) => ({ podCIDR: part.podCIDR, ip: part.ip, name: node.name })),
      ),
    });
    routeTableCache.set(plan, table);
  }
  return table;
}

/** setup.sh for this node. */
export function networkSetupScript(context: NodeContext): string {
  const { spec, plan, profile, node } = context;
  const network = plan.network;
  const families = networkFamilies(plan);
  const ownRanges = nodeFamilies(node);
  const bridge = network.bridge.name;
  const mtu = podMTU(network);
  // Each section is a template of its own under templates/setup-network/; this decides which run,
  // in which order, and numbers them.
  const sections: string[] = [];
  const section = (name: SetupSection, values: Record<string, unknown> = {}): void => {
    sections.push(
      renderTemplate(`setup-network/${name}.sh.hbs` as const, {
        step: sections.length + 1,
        ...values,
      }).trimEnd(),
    );
  };

  section("forwarding", {
    sysctlFile: NETWORK_SYSCTL_PATH,
    forwardingSysctls: families.map((entry) => forwardingSysctl(entry.family)),
    iptables: families.map((entry) => iptables(entry.family)),
  });
  if (spec.runtime.type === "docker") section("docker0");
  if (setupCreatesBridge(context)) {
    section("bridge", {
      bridge,
      address: ownRanges.map((part) => part.bridgeAddress).join(", "),
      // An IPv6 gateway skips duplicate address detection: pods must reach it the moment they start.
      addresses: ownRanges.map((part) =>
        part.family === "ipv6" && ownRanges.length > 1 ? `${part.bridgeAddress} nodad` : part.bridgeAddress,
      ),
      mtu,
    });
  } else if (network.bridge.management === "kubelet") {
    section("bridge-kubelet", { bridge });
  } else {
    section("bridge-overlay", { note: overlayNotes(context)?.bridge ?? "" });
  }
  if (network.mode === "overlay" && network.overlay === "openvswitch" && setupCreatesBridge(context)) {
    section("openvswitch", openvswitchValues(context));
  }

  if (routesFromTable(plan)) {
    // One pass per family over the shared table, each skipping the other family's lines.
    for (const part of ownRanges) {
      const cluster = families.find((entry) => entry.family === part.family);
      section("routes-from-table", {
        protocol: ROUTE_PROTOCOL,
        routesFile: POD_ROUTES_PATH.slice(POD_ROUTES_PATH.lastIndexOf("/") + 1),
        ownPodCIDR: part.podCIDR,
        ip: part.family === "ipv6" ? "ip -6" : "ip -4",
        clusterPodCIDR: cluster?.podCIDR ?? part.podCIDR,
        otherFamily: ownRanges.length === 1 ? [] : [part.family === "ipv6" ? "*.*" : "*:*"],
      });
    }
  } else {
    const notes: string[] = [];
    if (network.mode === "routed" && network.bridge.management === "kubelet") {
      notes.push(
        cloudProvider(context) !== undefined
          ? `The ${cloudProvider(context) ?? ""} cloud provider's route controller programs them for the ranges the node controller assigns.`
          : "The node controller assigns the ranges: add a route per node once `kubectl get nodes -o wide` shows them.",
      );
    } else if (network.mode === "overlay" && network.overlay !== "openvswitch") {
      notes.push(overlayNotes(context)?.routes ?? "The overlay routes the other nodes' pod ranges.");
    }
    // One pass per family: each removes its own family's routes of an earlier plan.
    for (const [index, entry] of families.entries()) {
      const routes = overlayRoutes(context).filter((route) => familyOf(route.destination) === entry.family);
      const keep = routes.map((route) => route.destination);
      section("routes", {
        what: `${network.mode === "routed" ? "Routes to the other nodes' pod ranges" : "Routes of the overlay"}${families.length > 1 ? `, ${familyName(entry.family)}` : ""}`,
        protocol: ROUTE_PROTOCOL,
        notes: index === 0 ? notes : [],
        routes,
        ip: entry.family === "ipv6" ? "ip -6" : "ip -4",
        clusterPodCIDR: entry.podCIDR,
        keep: keep.length > 0 ? [keep.join(" | ")] : [],
      });
    }
  }

  for (const entry of families) {
    const rule = masqueradeRule(context, entry.podCIDR).join(" ");
    section(network.masquerade ? "masquerade" : "no-masquerade", { iptables: iptables(entry.family), rule });
  }

  for (const entry of ownRanges) {
    const firewall = firewallRules(context, entry.family);
    if (!firewall) continue;
    section("firewall", {
      title:
        plan.security.mode === "firewall-only"
          ? `Firewall: the apiserver's port ${plan.controlPlane.apiserverPort} open; its insecure port ${profile.apiserverInsecurePort ?? ""} only for the cluster.`
          : `Firewall: the apiserver's port ${plan.controlPlane.apiserverPort} open.`,
      chain: FIREWALL_CHAIN,
      tool: firewall.tool,
      rules: firewall.rules.trimEnd(),
    });
  }
  return renderTemplate("setup-network.sh.hbs", {
    path: NETWORK_SETUP_PATH,
    node: node.name,
    ip: node.ip,
    why: networkWhy(context),
    clusterPodCIDR: families.map((entry) => entry.podCIDR).join(", "),
    nodePodCIDR: ownRanges.map((part) => part.podCIDR).join(", "),
    mtu: `${mtu}${network.mode === "overlay" ? ` (network MTU ${network.mtu} less the ${network.overlay ?? ""} encapsulation)` : ""}`,
    sections,
  });
}

function networkWhy(context: NodeContext): string {
  const { plan, node } = context;
  const what = setupCreatesBridge(context) ? `${plan.network.bridge.name} at ${node.bridgeAddress}, ` : "";
  const routes =
    plan.network.mode === "routed"
      ? "routes to the other nodes' pod ranges"
      : `the ${plan.network.overlay ?? ""} overlay`;
  return `Sets up the pod network of ${node.name}: forwarding, ${what}${routes}${plan.network.masquerade ? ", masquerading" : ""}${isControlPlane(context) ? " and the apiserver's firewall" : ""}.`;
}

function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The node's network files. */
export function networkArtifacts(context: NodeContext): Artifact[] {
  const { plan, node } = context;
  const network = plan.network;
  const families = networkFamilies(plan);
  const runtime = runtimeUnit(context);
  const requirements = ["S3", "S4", "S6", "S20"];
  if (context.spec.runtime.type === "docker") requirements.push("S16");
  if (network.masquerade) requirements.push("S21");
  const why = networkWhy(context);
  const unitWhy = `Runs ${NETWORK_SETUP_PATH} at boot, before ${runtime} and the kubelet need the pod bridge and routes.`;
  const artifacts: Artifact[] = [
    artifact(NETWORK_SETUP_PATH, networkSetupScript(context), { kind: "script", why, requirements }),
    ...(routesFromTable(plan)
      ? [
          artifact(POD_ROUTES_PATH, podRouteTable(plan), {
            kind: "config",
            why: "Every node's pod range and address, the same file on every node: setup.sh routes the other nodes' ranges from it.",
            requirements: ["S3", "S4"],
            sameOnEveryNode: true,
          }),
        ]
      : []),
    artifact(
      NETWORK_UNIT_PATH,
      renderTemplate("kubescratch-network.service.hbs", {
        path: NETWORK_UNIT_PATH,
        node: node.name,
        why: unitWhy,
        before: `${runtime} kubelet.service kube-proxy.service`,
        execStart: NETWORK_SETUP_PATH,
        // docker --bridge=cbr0 cannot start without the bridge.
        requiredBy: context.spec.runtime.type === "docker" && setupCreatesBridge(context) ? [runtime] : [],
      }),
      { kind: "systemd-unit", why: unitWhy, requirements: ["S20", "S24"] },
    ),
    artifact(
      NETWORK_SYSCTL_PATH,
      renderTemplate("network-sysctl.conf.hbs", {
        path: NETWORK_SYSCTL_PATH,
        node: node.name,
        forwardingSysctls: families.map((entry) => forwardingSysctl(entry.family)),
        iptables: families.map((entry) => iptables(entry.family)),
      }),
      {
        kind: "config",
        why: "Keeps IP forwarding (and iptables for bridged traffic) on across reboots.",
        requirements: ["S6"],
      },
    ),
    artifact(
      NETWORK_MODULES_PATH,
      renderTemplate("network-modules.conf.hbs", { path: NETWORK_MODULES_PATH }),
      {
        kind: "config",
        why: "Loads br_netfilter at boot, so the bridge-nf-call sysctl exists and kube-proxy sees bridged pod traffic.",
        requirements: ["S6"],
      },
    ),
    artifact(
      ROUTE_PROTOCOLS_PATH,
      renderTemplate("rt_protos.conf.hbs", { path: ROUTE_PROTOCOLS_PATH, protocol: ROUTE_PROTOCOL }),
      {
        kind: "config",
        why: `Names the routes setup.sh owns ("proto kubescratch" in ip route).`,
        requirements: ["S3"],
      },
    ),
  ];
  if (writesCniBridge(context)) {
    artifacts.push(
      artifact(CNI_BRIDGE_PATH, jsonFile(cniBridgeConfig(context)), {
        kind: "config",
        why: `containerd's pod network on ${node.name}: the bridge plugin on ${network.bridge.name}, pod addresses from the node's range ${node.podCIDR}.`,
        requirements: ["S4", "S20"],
      }),
      artifact(CNI_LOOPBACK_PATH, jsonFile(cniLoopbackConfig()), {
        kind: "config",
        why: "Gives every pod its loopback interface (CNI loopback plugin).",
        requirements: ["S20"],
      }),
    );
  }
  artifacts.push(...flannelUnitArtifacts(context, NETWORK_UNIT_NAME));
  return artifacts;
}

/** The admin bundle's network files (overlay manifests, flannel's etcd script). */
export function networkClusterArtifacts(context: ClusterContext): Artifact[] {
  return overlayClusterArtifacts(context);
}
