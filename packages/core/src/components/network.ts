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
import { podMTU } from "./network-mtu.js";
import {
  flannelUnitArtifacts,
  openvswitchLines,
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

type Family = "ipv4" | "ipv6";

function familyOf(cidrOrIp: string): Family {
  return cidrOrIp.includes(":") ? "ipv6" : "ipv4";
}

function iptables(family: Family): "iptables" | "ip6tables" {
  return family === "ipv6" ? "ip6tables" : "iptables";
}

function forwardingSysctl(family: Family): string {
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

/** The seed's masquerade rule (S21), as iptables arguments after the -C/-A/-D flag. */
export function masqueradeRule(context: ClusterContext): string[] {
  return [
    "POSTROUTING",
    "!",
    "-d",
    context.plan.network.podCIDR,
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
export function firewallRules(context: NodeContext): RuleSet | undefined {
  if (!isControlPlane(context)) return undefined;
  const { plan, profile, node } = context;
  const family = familyOf(node.ip);
  const host = family === "ipv6" ? 128 : 32;
  const secure = plan.controlPlane.apiserverPort;
  const lines = [
    "*filter",
    `:${FIREWALL_CHAIN} - [0:0]`,
    `-A ${FIREWALL_CHAIN} -p tcp -m tcp --dport ${secure} -m comment --comment "kube-apiserver secure port (S6)" -j ACCEPT`,
  ];
  const insecure = profile.apiserverInsecurePort;
  if (plan.security.mode === "firewall-only" && insecure !== undefined) {
    const accept = (match: string, what: string): string =>
      `-A ${FIREWALL_CHAIN} ${match} -p tcp -m tcp --dport ${insecure} -m comment --comment "${what}" -j ACCEPT`;
    lines.push(accept("-i lo", "insecure port: this node"));
    for (const member of plan.nodes.filter((each) => familyOf(each.ip) === family))
      lines.push(accept(`-s ${member.ip}/${host}`, `insecure port: ${member.name}`));
    if (familyOf(plan.network.podCIDR) === family)
      lines.push(accept(`-s ${plan.network.podCIDR}`, "insecure port: pods"));
    lines.push(
      `-A ${FIREWALL_CHAIN} -p tcp -m tcp --dport ${insecure} -m comment --comment "insecure port: nobody else (S11)" -j REJECT --reject-with tcp-reset`,
    );
  }
  lines.push("COMMIT");
  return { tool: iptables(family), rules: `${lines.join("\n")}\n` };
}

/** kubescratch's CNI bridge configuration: the bridge plugin on the pod bridge, host-local IPAM. */
export function cniBridgeConfig(context: NodeContext): Record<string, unknown> {
  const { plan, node } = context;
  const network = plan.network;
  const anyAddress = familyOf(node.podCIDR) === "ipv6" ? "::/0" : "0.0.0.0/0";
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
      ranges: [[{ subnet: node.podCIDR, gateway: node.bridgeIP }]],
      routes: [{ dst: anyAddress }],
    },
  };
}

export function cniLoopbackConfig(): Record<string, unknown> {
  return { cniVersion: CNI_VERSION, name: "lo", type: "loopback" };
}

function comment(text: string): string {
  return `# ${text}`;
}

/** `ip link show dev X` as a test: quiet, true when the link exists. */
function linkExists(name: string): string {
  return `ip link show dev ${name} >/dev/null 2>&1`;
}

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
    const lines = [
      `# ${POD_ROUTES_PATH}: written by kubescratch; the same file on every node of ${plan.clusterName}.`,
      "# Every node's pod range (NODE_X_POD_CIDR) and the node that carries it: POD_CIDR NODE_IP NODE_NAME.",
      `# setup.sh (beside this file) routes each range via its node (S3a), skips the node's own range and`,
      `# removes its routes (proto ${ROUTE_PROTOCOL}) to ranges no longer listed.`,
    ];
    for (const node of plan.nodes) lines.push(`${node.podCIDR} ${node.ip} ${node.name}`);
    table = `${lines.join("\n")}\n`;
    routeTableCache.set(plan, table);
  }
  return table;
}

/** setup.sh for this node. */
export function networkSetupScript(context: NodeContext): string {
  const { spec, plan, profile, node } = context;
  const network = plan.network;
  const family = familyOf(network.podCIDR);
  const ipt = iptables(family);
  const ip = family === "ipv6" ? "ip -6" : "ip -4";
  const bridge = network.bridge.name;
  const mtu = podMTU(network);
  const out: string[] = [
    "#!/usr/bin/env bash",
    comment(`${NETWORK_SETUP_PATH}: written by kubescratch for node ${node.name} (${node.ip}).`),
    comment(networkWhy(context)),
    "#",
    comment("It changes kernel network state only (links, addresses, routes, iptables rules, sysctls) and"),
    comment("writes no file, so it also runs unchanged inside a network namespace. Each step checks before"),
    comment("it changes: running it again leaves the same routes and rules."),
    comment(`Cluster pod range (CLUSTER_SUBNET, S4): ${network.podCIDR}`),
    comment(`This node's pod range (NODE_X_POD_CIDR): ${node.podCIDR}`),
    comment(
      `Pod MTU: ${mtu}${network.mode === "overlay" ? ` (network MTU ${network.mtu} less the ${network.overlay ?? ""} encapsulation)` : ""}`,
    ),
    "set -euo pipefail",
  ];
  let step = 0;
  const section = (title: string, ...body: string[]): void => {
    step += 1;
    out.push("", comment(`${step}. ${title}`), ...body);
  };

  section(
    `Forwarding (S6): pods reach other nodes through this node; ${NETWORK_SYSCTL_PATH} keeps it at boot.`,
    `sysctl -qw ${forwardingSysctl(family)}=1`,
    comment("kube-proxy's rules must also see traffic between pods on the same bridge (br_netfilter)."),
    "if [ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && command -v modprobe >/dev/null 2>&1; then",
    '  modprobe br_netfilter || echo "setup.sh: br_netfilter is not available; kube-proxy cannot see bridged traffic" >&2',
    "fi",
    "if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then",
    `  sysctl -qw net.bridge.bridge-nf-call-${family === "ipv6" ? "ip6tables" : "iptables"}=1`,
    "fi",
  );

  if (spec.runtime.type === "docker") {
    section(
      "docker's own bridge (S16): a docker that ran before Kubernetes left docker0 and its NAT rules.",
      comment("Only while docker0 exists (the first run): later runs must not flush kube-proxy's NAT rules."),
      `if ${linkExists("docker0")}; then`,
      "  iptables -t nat -F",
      "  if iptables -t nat -S DOCKER >/dev/null 2>&1; then",
      "    iptables -t nat -X DOCKER",
      "  fi",
      "  ip link set dev docker0 down",
      "  ip link delete dev docker0",
      "fi",
    );
  }

  if (setupCreatesBridge(context)) {
    section(
      `The pod bridge ${bridge} (S20): NODE_X_BRIDGE_ADDR ${node.bridgeAddress}, MTU ${mtu}.`,
      `if ! ${linkExists(bridge)}; then`,
      `  ip link add name ${bridge} type bridge`,
      "fi",
      `ip link set dev ${bridge} mtu ${mtu}`,
      `ip addr replace ${node.bridgeAddress} dev ${bridge}`,
      `ip link set dev ${bridge} up`,
    );
  } else if (network.bridge.management === "kubelet") {
    section(
      `The pod bridge ${bridge} (S20) is the kubelet's (--configure-cbr0=true): it creates it once the`,
      comment("node controller has set Node.spec.podCIDR. Nothing to do here."),
    );
  } else {
    section(`The pod bridge (S20): ${overlayNotes(context)?.bridge ?? ""}`);
  }

  if (network.mode === "overlay" && network.overlay === "openvswitch" && setupCreatesBridge(context)) {
    section(
      `Open vSwitch overlay (S3b): ${OVS_BRIDGE}, a VXLAN tunnel to every other node, joined to ${bridge}.`,
      ...openvswitchLines(context),
    );
  }

  const routed = routesFromTable(plan);
  const routeBody: string[] = [];
  if (network.mode === "routed" && network.bridge.management === "kubelet") {
    routeBody.push(
      comment(
        cloudProvider(context) !== undefined
          ? `The ${cloudProvider(context) ?? ""} cloud provider's route controller programs them for the ranges the node controller assigns.`
          : "The node controller assigns the ranges: add a route per node once `kubectl get nodes -o wide` shows them.",
      ),
    );
  } else if (network.mode === "overlay" && network.overlay !== "openvswitch") {
    routeBody.push(
      comment(overlayNotes(context)?.routes ?? "The overlay routes the other nodes' pod ranges."),
    );
  }
  if (routed) {
    // One ip process for every route: at 5,000 nodes a process per route would take seconds at boot.
    routeBody.push(
      comment(
        `Every pod range in ${POD_ROUTES_PATH.slice(POD_ROUTES_PATH.lastIndexOf("/") + 1)} (beside this script) but this node's, via its node.`,
      ),
      `routes_file="$(dirname -- "\${BASH_SOURCE[0]}")/pod-routes"`,
      `own_pod_cidr=${node.podCIDR}`,
      "declare -A listed=()",
      'batch=""',
      "while read -r cidr via _name; do",
      '  case "$cidr" in "" | "#"*) continue ;; esac',
      '  listed["$cidr"]=1',
      '  if [ "$cidr" != "$own_pod_cidr" ]; then',
      `    batch+="route replace $cidr via $via proto ${ROUTE_PROTOCOL}"$'\\n'`,
      "  fi",
      'done <"$routes_file"',
      'if [ -n "$batch" ]; then',
      `  printf '%s' "$batch" | ${ip} -batch -`,
      "fi",
      comment("Routes of an earlier plan (a node that left the cluster) go."),
      `for route in $(${ip} route show root ${network.podCIDR} proto ${ROUTE_PROTOCOL} | cut -d ' ' -f 1); do`,
      '  if [ -z "${listed[$route]:-}" ] || [ "$route" = "$own_pod_cidr" ]; then',
      `    ${ip} route del "$route" proto ${ROUTE_PROTOCOL}`,
      "  fi",
      "done",
    );
  } else {
    const routes = overlayRoutes(context);
    for (const route of routes) {
      routeBody.push(
        comment(route.comment),
        `${ip} route replace ${route.destination} dev ${route.device} proto ${ROUTE_PROTOCOL}`,
      );
    }
    const keep = routes.map((route) => route.destination);
    routeBody.push(
      comment("Routes of an earlier plan go."),
      `for route in $(${ip} route show root ${network.podCIDR} proto ${ROUTE_PROTOCOL} | cut -d ' ' -f 1); do`,
      '  case "$route" in',
      ...(keep.length > 0 ? [`    ${keep.join(" | ")}) ;;`] : []),
      `    *) ${ip} route del "$route" proto ${ROUTE_PROTOCOL} ;;`,
      "  esac",
      "done",
    );
  }
  step += 1;
  out.push(
    "",
    comment(
      `${step}. ${
        network.mode === "routed"
          ? "Routes to the other nodes' pod ranges (S3a), tagged proto " + String(ROUTE_PROTOCOL) + "."
          : `Routes (S3b), tagged proto ${ROUTE_PROTOCOL}.`
      }`,
    ),
  );
  out.push(...routeBody);

  const rule = masqueradeRule(context).join(" ");
  if (network.masquerade) {
    section(
      `Masquerade traffic leaving the cluster's pod range (S21), the seed's rule, added once.`,
      `if ! ${ipt} -t nat -C ${rule} 2>/dev/null; then`,
      `  ${ipt} -t nat -A ${rule}`,
      "fi",
    );
  } else {
    section(
      "No masquerading (network.masquerade is off, S21): remove the rule an earlier plan may have added.",
      `while ${ipt} -t nat -D ${rule} 2>/dev/null; do :; done`,
    );
  }

  const firewall = firewallRules(context);
  if (firewall) {
    section(
      plan.security.mode === "firewall-only"
        ? `Firewall (S6, S11): the apiserver's port ${plan.controlPlane.apiserverPort} open; its insecure port ${profile.apiserverInsecurePort ?? ""} only for the cluster.`
        : `Firewall (S6): the apiserver's port ${plan.controlPlane.apiserverPort} open.`,
      comment(
        `--noflush: only ${FIREWALL_CHAIN} is replaced; the node's own policy decides everything else.`,
      ),
      `${firewall.tool}-restore --noflush <<'RULES'`,
      ...firewall.rules.trimEnd().split("\n"),
      "RULES",
      `if ! ${firewall.tool} -C INPUT -j ${FIREWALL_CHAIN} 2>/dev/null; then`,
      `  ${firewall.tool} -I INPUT 1 -j ${FIREWALL_CHAIN}`,
      "fi",
    );
  }
  return `${out.join("\n")}\n`;
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

const NETWORK_UNIT = (path: string, node: string, why: string, before: string, requiredBy: string): string =>
  [
    `# ${path}: written by kubescratch for node ${node}.`,
    `# ${why}`,
    "[Unit]",
    `Description=Pod network of ${node} (bridge, routes, masquerading, firewall)`,
    "Wants=network-online.target",
    "After=network-online.target",
    `Before=${before}`,
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=${NETWORK_SETUP_PATH}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    ...(requiredBy ? [`RequiredBy=${requiredBy}`] : []),
    "",
  ].join("\n");

function jsonFile(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The node's network files. */
export function networkArtifacts(context: NodeContext): Artifact[] {
  const { plan, node } = context;
  const network = plan.network;
  const family = familyOf(network.podCIDR);
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
            why: "Every node's pod range and address, the same file on every node: setup.sh routes the other nodes' ranges from it (S3a).",
            requirements: ["S3", "S4"],
            sameOnEveryNode: true,
          }),
        ]
      : []),
    artifact(
      NETWORK_UNIT_PATH,
      NETWORK_UNIT(
        NETWORK_UNIT_PATH,
        node.name,
        unitWhy,
        `${runtime} kubelet.service kube-proxy.service`,
        // docker --bridge=cbr0 cannot start without the bridge.
        context.spec.runtime.type === "docker" && setupCreatesBridge(context) ? runtime : "",
      ),
      { kind: "systemd-unit", why: unitWhy, requirements: ["S20", "S24"] },
    ),
    artifact(
      NETWORK_SYSCTL_PATH,
      [
        `# ${NETWORK_SYSCTL_PATH}: written by kubescratch for node ${node.name} (S6).`,
        "# Forwarding for pod traffic, and bridged pod traffic through iptables for kube-proxy.",
        `${forwardingSysctl(family)} = 1`,
        `net.bridge.bridge-nf-call-${family === "ipv6" ? "ip6tables" : "iptables"} = 1`,
        "",
      ].join("\n"),
      {
        kind: "config",
        why: "Keeps IP forwarding (and iptables for bridged traffic) on across reboots.",
        requirements: ["S6"],
      },
    ),
    artifact(
      NETWORK_MODULES_PATH,
      `# ${NETWORK_MODULES_PATH}: written by kubescratch. Loaded at boot, before sysctl.d is applied.\nbr_netfilter\n`,
      {
        kind: "config",
        why: "Loads br_netfilter at boot, so the bridge-nf-call sysctl exists and kube-proxy sees bridged pod traffic.",
        requirements: ["S6"],
      },
    ),
    artifact(
      ROUTE_PROTOCOLS_PATH,
      `# ${ROUTE_PROTOCOLS_PATH}: written by kubescratch.\n${ROUTE_PROTOCOL}\tkubescratch\n`,
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
