// The Open vSwitch overlay's design on the real kernel: three nodes of netns-routed.yaml switched to
// network.overlay "openvswitch", each running its generated setup.sh unchanged. This kernel has no
// Open vSwitch datapath, so ovs-vsctl is a stand-in that builds what the script asks OVS for out of
// kernel parts: obr0 as a Linux bridge, each VXLAN tunnel as a vxlan device on it, and a "protected"
// port as an isolated bridge port (no forwarding between two of them: the same split horizon). What is
// real is everything setup.sh does itself (cbr0, the veth pair into obr0, the on-link route for the
// pod range, masquerading) and the pod MTU: pods on different nodes reach each other over the tunnels
// with full-size packets, and one byte more does not fit.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodePlan } from "../src/plan/plan.js";
import { NETWORK_SETUP_PATH } from "../src/components/network.js";
import { podMTU } from "../src/components/network-mtu.js";
import { OVS_BRIDGE } from "../src/components/network-overlays.js";
import { addressAt, formatIp, parseCidr } from "../src/net/ip.js";
import { must, NetnsLab, networkState } from "./tools/netns.js";
import { mustFile, renderVariant, type RenderedVariant } from "./tools/network-variants.js";

const SEGMENT_PREFIX = 24;

/** ovs-vsctl, played with kernel bridges and vxlan devices (only the commands setup.sh uses). */
const OVS_EMULATOR = `#!/bin/sh
set -eu
[ "$1" = "--may-exist" ] && shift
case "$1" in
  add-br)
    ip link show dev "$2" >/dev/null 2>&1 || ip link add name "$2" type bridge ;;
  add-port)
    bridge=$2 port=$3 remote=
    for word in "$@"; do
      case "$word" in options:remote_ip=*) remote=\${word#options:remote_ip=} ;; esac
    done
    if [ -n "$remote" ]; then
      # One VNI per pair of nodes (the kernel allows one device per VNI), the same at both ends.
      local=$(ip -4 -o addr show dev eth0 | sed 's/.* inet \\([0-9.]*\\).*/\\1/')
      a=\${local##*.} b=\${remote##*.}
      if [ "$a" -lt "$b" ]; then vni=$((a * 256 + b)); else vni=$((b * 256 + a)); fi
      ip link show dev "$port" >/dev/null 2>&1 || ip link add name "$port" type vxlan id "$vni" remote "$remote" dstport 4789 dev eth0
      ip link set dev "$port" master "$bridge" up
      bridge link set dev "$port" isolated on
    else
      ip link set dev "$port" master "$bridge"
    fi ;;
  list-ports)
    ip -o link show master "$2" | cut -d ' ' -f 2 | cut -d @ -f 1 | tr -d : ;;
  del-port)
    ip link delete dev "$3" ;;
  *) echo "ovs-vsctl emulator: unsupported: $*" >&2; exit 1 ;;
esac
`;

function podAddress(node: NodePlan): string {
  const parsed = parseCidr(node.podCIDR);
  if (!parsed.ok) throw new Error(`bad pod range ${node.podCIDR}`);
  return formatIp(addressAt(parsed.cidr, 2n), parsed.cidr.family);
}

describe("Open vSwitch overlay (S3b) of three nodes in network namespaces", () => {
  const lab = new NetnsLab("o");
  const scratch = mkdtempSync(join(tmpdir(), "kubescratch-ovs-"));
  const nodeNs = new Map<string, string>();
  const podNs = new Map<string, string>();
  let cluster: RenderedVariant;
  let mtu = 0;
  const env = { PATH: `${join(scratch, "bin")}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` };

  const runSetup = (node: NodePlan): void => {
    const path = join(scratch, `setup-${node.name}.sh`);
    const result = lab.runScriptReadOnly(nodeNs.get(node.name) ?? "", path, env);
    if (result.status !== 0)
      throw new Error(`setup.sh of ${node.name} failed:\n${result.stderr}${result.stdout}`);
  };

  const ping = (from: NodePlan, to: NodePlan, size?: number): boolean =>
    lab.exec(podNs.get(from.name) ?? "", [
      "ping",
      "-c",
      "1",
      "-W",
      "1",
      ...(size === undefined ? [] : ["-M", "do", "-s", String(size)]),
      podAddress(to),
    ]).status === 0;

  beforeAll(async () => {
    cluster = await renderVariant("current-openvswitch-1500");
    mtu = podMTU(cluster.plan.network);
    const bin = join(scratch, "bin");
    must("mkdir", ["-p", bin]);
    writeFileSync(join(bin, "ovs-vsctl"), OVS_EMULATOR);
    chmodSync(join(bin, "ovs-vsctl"), 0o755);
    const sw = lab.add("sw");
    must("ip", ["-n", sw, "link", "add", "br0", "type", "bridge"]);
    must("ip", ["-n", sw, "link", "set", "br0", "up"]);
    cluster.plan.nodes.forEach((node, index) => {
      const ns = lab.add(`n${index + 1}`);
      nodeNs.set(node.name, ns);
      must("ip", [
        "link",
        "add",
        "eth0",
        "netns",
        ns,
        "type",
        "veth",
        "peer",
        "name",
        `p${index + 1}`,
        "netns",
        sw,
      ]);
      must("ip", ["-n", sw, "link", "set", `p${index + 1}`, "master", "br0", "up"]);
      must("ip", ["-n", ns, "addr", "add", `${node.ip}/${SEGMENT_PREFIX}`, "dev", "eth0"]);
      must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      writeFileSync(
        join(scratch, `setup-${node.name}.sh`),
        mustFile(cluster.nodes.get(node.name), NETWORK_SETUP_PATH).content,
      );
    });
    for (const node of cluster.plan.nodes) runSetup(node);
    cluster.plan.nodes.forEach((node, index) => {
      const ns = nodeNs.get(node.name) ?? "";
      const pod = lab.add(`p${index + 1}`);
      podNs.set(node.name, pod);
      must("ip", ["link", "add", "eth0", "netns", pod, "type", "veth", "peer", "name", "vpod", "netns", ns]);
      must("ip", [
        "-n",
        ns,
        "link",
        "set",
        "vpod",
        "mtu",
        String(mtu),
        "master",
        cluster.plan.network.bridge.name,
        "up",
      ]);
      must("ip", [
        "-n",
        pod,
        "addr",
        "add",
        `${podAddress(node)}/${cluster.plan.network.nodePodCIDRPrefix}`,
        "dev",
        "eth0",
      ]);
      must("ip", ["-n", pod, "link", "set", "eth0", "mtu", String(mtu), "up"]);
      must("ip", ["-n", pod, "route", "add", "default", "via", node.bridgeIP]);
    });
  });

  afterAll(() => {
    const problems = lab.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    expect(problems).toEqual([]);
    expect(lab.leftovers()).toEqual([]);
  });

  it("pods on different nodes reach each other through the tunnels (6 pairs), with no static route per node", () => {
    const pairs = cluster.plan.nodes.flatMap((from) =>
      cluster.plan.nodes
        .filter((to) => to !== from)
        .map((to) => ({ from: from.name, to: to.name, ok: ping(from, to) })),
    );
    expect(pairs).toHaveLength(6);
    expect(pairs.filter((pair) => !pair.ok)).toEqual([]);
    const routes = lab.mustExec(nodeNs.get("node-1") ?? "", ["ip", "-4", "route", "show"]);
    expect(routes).toContain(`${cluster.plan.network.podCIDR} dev cbr0 proto 75`);
    expect(routes).not.toMatch(/ via 198\.18\.0\.[23]/);
    expect(
      lab.mustExec(nodeNs.get("node-1") ?? "", ["ip", "-o", "link", "show", "master", OVS_BRIDGE]),
    ).toMatch(/vx[0-9a-f]{8}.*vx[0-9a-f]{8}|obr-cbr/s);
  });

  it(`the pod MTU leaves room for VXLAN: a full ${1500 - 50}-byte packet crosses with "don't fragment", one byte more does not leave the pod, the network's MTU would not cross`, () => {
    const [first, second] = cluster.plan.nodes as [NodePlan, NodePlan];
    expect(mtu).toBe(1450);
    expect(ping(first, second, mtu - 28)).toBe(true);
    expect(ping(first, second, mtu - 27)).toBe(false);
    // Had the pod kept the network's MTU, its full-size packets would not get through the tunnel.
    const pod = podNs.get(first.name) ?? "";
    const node = nodeNs.get(first.name) ?? "";
    must("ip", ["-n", node, "link", "set", "vpod", "mtu", "1500"]);
    must("ip", ["-n", pod, "link", "set", "eth0", "mtu", "1500"]);
    try {
      expect(ping(first, second, 1500 - 28)).toBe(false);
    } finally {
      must("ip", ["-n", pod, "link", "set", "eth0", "mtu", String(mtu)]);
      must("ip", ["-n", node, "link", "set", "vpod", "mtu", String(mtu)]);
    }
    expect(ping(first, second, mtu - 28)).toBe(true);
  });

  it("running setup.sh again leaves the same routes and rules; the tunnels stay", () => {
    const before = cluster.plan.nodes.map((node) => networkState(lab, nodeNs.get(node.name) ?? ""));
    const links = lab.mustExec(nodeNs.get("node-1") ?? "", [
      "ip",
      "-o",
      "link",
      "show",
      "master",
      OVS_BRIDGE,
    ]);
    for (const node of cluster.plan.nodes) runSetup(node);
    expect(cluster.plan.nodes.map((node) => networkState(lab, nodeNs.get(node.name) ?? ""))).toEqual(before);
    const count = (text: string) => text.trim().split("\n").length;
    expect(
      count(lab.mustExec(nodeNs.get("node-1") ?? "", ["ip", "-o", "link", "show", "master", OVS_BRIDGE])),
    ).toBe(count(links));
    const [first, second] = cluster.plan.nodes as [NodePlan, NodePlan];
    expect(ping(first, second)).toBe(true);
  });
});
