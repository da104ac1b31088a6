// The dual-stack pod network on the real kernel: the three nodes of fixtures/specs/current-dualstack.yaml
// (and of current-dualstack-ipv6-primary.yaml, the same addresses with IPv6 first),
// each a network namespace on one L2 segment with an IPv4 and an IPv6 address, each running its
// generated setup.sh unchanged, with a "pod" namespace on every node's cbr0 that holds an address of
// each family. IPv4 stays in 198.18.0.0/15 and IPv6 in 2001:db8::/32 (documentation); nothing is
// created in, or reaches, the host's own network.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import type { NodeFamilyPlan, NodePlan } from "../src/plan/plan.js";
import { nodeFamilies, parseSpec, planCluster } from "../src/index.js";
import { networkArtifacts, ROUTE_PROTOCOL } from "../src/components/network.js";
import { podMTU } from "../src/components/network-mtu.js";
import { writeNetworkFiles } from "./tools/network-variants.js";
import { addressAt, formatIp, parseCidr } from "../src/net/ip.js";
import { fixtureFiles } from "./helpers.js";
import { must, NetnsLab, networkState } from "./tools/netns.js";

const OUTSIDE = { ipv4: "198.18.0.254", ipv6: "2001:db8::fe" } as const;
const SEGMENT = { ipv4: 24, ipv6: 64 } as const;
type Family = keyof typeof OUTSIDE;

/** The pod's address of a family: the second of the node's range (the first is the bridge's). */
function podAddress(part: NodeFamilyPlan): string {
  const parsed = parseCidr(part.podCIDR);
  if (!parsed.ok) throw new Error(`bad pod range ${part.podCIDR}`);
  return formatIp(addressAt(parsed.cidr, 2n), parsed.cidr.family);
}

// IPv4 primary, and IPv6 primary (the same addresses, each list the other way round).
describe.each([
  { fixture: "current-dualstack.yaml", labName: "d" },
  { fixture: "current-dualstack-ipv6-primary.yaml", labName: "e" },
])(
  "three dual-stack nodes in network namespaces run their generated setup.sh ($fixture)",
  ({ fixture, labName }) => {
    const lab = new NetnsLab(labName);
    const scratch = mkdtempSync(join(tmpdir(), "kubescratch-netns-ds-"));
    const file = fixtureFiles("specs").find((entry) => entry.name === fixture);
    if (!file) throw new Error(`no fixture ${fixture}`);
    const { spec } = parseSpec(load(file.text));
    const plan = planCluster(spec);
    const nodeNs = new Map<string, string>();
    const podNs = new Map<string, string>();
    const scripts = new Map<string, string>();
    const families: Family[] = ["ipv4", "ipv6"];

    const runSetup = (node: NodePlan): void => {
      const result = lab.runScriptReadOnly(nodeNs.get(node.name) ?? "", scripts.get(node.name) ?? "");
      if (result.status !== 0)
        throw new Error(
          `setup.sh of ${node.name} failed (${result.status}):\n${result.stderr}${result.stdout}`,
        );
    };
    const ping = (from: NodePlan, address: string): boolean =>
      lab.exec(podNs.get(from.name) ?? "", ["ping", "-c", "1", "-W", "2", address]).status === 0;
    const pingMatrix = () =>
      plan.nodes.flatMap((from) =>
        plan.nodes
          .filter((to) => to.name !== from.name)
          .flatMap((to) =>
            nodeFamilies(to).map((part) => ({
              from: from.name,
              to: podAddress(part),
              ok: ping(from, podAddress(part)),
            })),
          ),
      );
    const masqueradePackets = (node: NodePlan, family: Family): number => {
      const tool = family === "ipv6" ? "ip6tables" : "iptables";
      const listing = lab.mustExec(nodeNs.get(node.name) ?? "", [
        tool,
        "-t",
        "nat",
        "-L",
        "POSTROUTING",
        "-n",
        "-v",
        "-x",
      ]);
      const line = listing.split("\n").find((each) => /\bMASQUERADE\b/.test(each));
      if (!line) throw new Error(`no ${tool} MASQUERADE rule on ${node.name}:\n${listing}`);
      return Number(line.trim().split(/\s+/)[0]);
    };

    beforeAll(() => {
      expect([...plan.network.families].sort()).toEqual(["ipv4", "ipv6"]);
      const sw = lab.add("sw", { ipv6: true });
      must("ip", ["-n", sw, "link", "add", "br0", "type", "bridge"]);
      must("ip", ["-n", sw, "addr", "add", `${OUTSIDE.ipv4}/${SEGMENT.ipv4}`, "dev", "br0"]);
      must("ip", ["-n", sw, "addr", "add", `${OUTSIDE.ipv6}/${SEGMENT.ipv6}`, "dev", "br0", "nodad"]);
      must("ip", ["-n", sw, "link", "set", "br0", "up"]);
      plan.nodes.forEach((node, index) => {
        const ns = lab.add(`n${index + 1}`, { ipv6: true });
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
        for (const part of nodeFamilies(node))
          must("ip", [
            "-n",
            ns,
            "addr",
            "add",
            `${part.ip}/${SEGMENT[part.family]}`,
            "dev",
            "eth0",
            ...(part.family === "ipv6" ? ["nodad"] : []),
          ]);
        must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
        scripts.set(
          node.name,
          writeNetworkFiles(
            join(scratch, node.name),
            networkArtifacts({ spec, plan, pki: undefined as never, profile: plan.profile, node }),
          ),
        );
      });
      for (const node of plan.nodes) runSetup(node);
      plan.nodes.forEach((node, index) => {
        const ns = nodeNs.get(node.name) ?? "";
        const pod = lab.add(`p${index + 1}`, { ipv6: true });
        podNs.set(node.name, pod);
        must("ip", [
          "link",
          "add",
          "eth0",
          "netns",
          pod,
          "type",
          "veth",
          "peer",
          "name",
          "vpod",
          "netns",
          ns,
        ]);
        must("ip", ["-n", ns, "link", "set", "vpod", "master", plan.network.bridge.name, "up"]);
        for (const part of nodeFamilies(node)) {
          const prefix = part.podCIDR.split("/")[1] ?? "";
          must("ip", [
            "-n",
            pod,
            "addr",
            "add",
            `${podAddress(part)}/${prefix}`,
            "dev",
            "eth0",
            ...(part.family === "ipv6" ? ["nodad"] : []),
          ]);
        }
        must("ip", ["-n", pod, "link", "set", "eth0", "up"]);
        for (const part of nodeFamilies(node))
          must("ip", [
            "-n",
            pod,
            ...(part.family === "ipv6" ? ["-6"] : []),
            "route",
            "add",
            "default",
            "via",
            part.bridgeIP,
          ]);
      });
    });

    afterAll(() => {
      const problems = lab.cleanup();
      rmSync(scratch, { recursive: true, force: true });
      expect(problems).toEqual([]);
      expect(lab.leftovers()).toEqual([]);
    });

    it("every pod pings every other node's pod at both its addresses (12 pairs)", () => {
      const matrix = pingMatrix();
      expect(matrix).toHaveLength(12);
      expect(matrix.filter((entry) => !entry.ok)).toEqual([]);
    });

    it("routes of both families: two tagged routes per family on every node, each via the other node's address of that family", () => {
      for (const node of plan.nodes) {
        const ns = nodeNs.get(node.name) ?? "";
        for (const family of families) {
          const tagged = lab
            .mustExec(ns, [
              "ip",
              family === "ipv6" ? "-6" : "-4",
              "route",
              "show",
              "proto",
              String(ROUTE_PROTOCOL),
            ])
            .trim()
            .split("\n");
          const expected = plan.nodes
            .filter((other) => other.name !== node.name)
            .flatMap(nodeFamilies)
            .filter((part) => part.family === family)
            .map((part) => `${part.podCIDR} via ${part.ip}`);
          expect(tagged.map((line) => line.split(" ").slice(0, 3).join(" ")).sort()).toEqual(expected.sort());
        }
      }
    });

    it("traffic leaving the pod ranges is masqueraded in both families: each rule's counters move and the outside answers", () => {
      for (const family of families) {
        const before = plan.nodes.map((node) => masqueradePackets(node, family));
        for (const node of plan.nodes)
          expect({ node: node.name, family, ok: ping(node, OUTSIDE[family]) }).toEqual({
            node: node.name,
            family,
            ok: true,
          });
        const after = plan.nodes.map((node) => masqueradePackets(node, family));
        after.forEach((count, index) => expect(count).toBeGreaterThan(before[index] ?? 0));
      }
    });

    it("running setup.sh again leaves exactly the same routes and rules of both families", () => {
      const before = plan.nodes.map((node) => networkState(lab, nodeNs.get(node.name) ?? ""));
      for (const node of plan.nodes) runSetup(node);
      const after = plan.nodes.map((node) => networkState(lab, nodeNs.get(node.name) ?? ""));
      expect(after).toEqual(before);
      for (const state of after) expect((state.rules.match(/-j MASQUERADE/g) ?? []).length).toBe(2);
      expect(after[0]?.rules.match(/-A INPUT -j KUBESCRATCH-APISERVER/g)).toHaveLength(2);
    });
  },
);

// flannel sizes its IPv6 VXLAN device like its IPv4 one, 50 bytes below the link
// (pkg/backend/vxlan/device.go), but IPv6 outer headers take 70. Two namespaces build that device
// over an IPv6 link of network.mtu: a packet of the pod MTU kubescratch plans must cross it, one byte
// more must not (the kernel drops it and lowers the path MTU to exactly that size).
describe("flannel's IPv6 VXLAN tunnel in network namespaces (current-flannel-dualstack.yaml)", () => {
  const lab = new NetnsLab("f");
  const file = fixtureFiles("specs").find((entry) => entry.name === "current-flannel-dualstack.yaml");
  if (!file) throw new Error("no fixture current-flannel-dualstack.yaml");
  const plan = planCluster(parseSpec(load(file.text)).spec);
  const mtu = podMTU(plan.network);
  const sides = [
    { link: "2001:db8:60::1", inner: "2001:db8:244::1" },
    { link: "2001:db8:60::2", inner: "2001:db8:244::2" },
  ] as const;
  const namespaces: string[] = [];

  beforeAll(() => {
    for (const [index] of sides.entries()) namespaces.push(lab.add(`t${index + 1}`, { ipv6: true }));
    const [a, b] = namespaces;
    must("ip", [
      "link",
      "add",
      "eth0",
      "netns",
      a ?? "",
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      b ?? "",
    ]);
    sides.forEach((side, index) => {
      const ns = namespaces[index] ?? "";
      const other = sides[1 - index];
      must("ip", ["-n", ns, "link", "set", "eth0", "mtu", String(plan.network.mtu), "up"]);
      must("ip", ["-n", ns, "addr", "add", `${side.link}/64`, "dev", "eth0", "nodad"]);
      must("ip", [
        "-n",
        ns,
        "link",
        "add",
        "flannel-v6.1",
        "type",
        "vxlan",
        "id",
        "1",
        "local",
        side.link,
        "remote",
        other?.link ?? "",
        "dstport",
        "8472",
      ]);
      must("ip", ["-n", ns, "link", "set", "flannel-v6.1", "mtu", String(plan.network.mtu - 50), "up"]);
      must("ip", ["-n", ns, "addr", "add", `${side.inner}/64`, "dev", "flannel-v6.1", "nodad"]);
    });
  });

  afterAll(() => {
    expect(lab.cleanup()).toEqual([]);
    expect(lab.leftovers()).toEqual([]);
  });

  it(`carries an IPv6 packet of the pod MTU (${mtu}) and refuses one byte more`, () => {
    expect(mtu).toBe(plan.network.mtu - 70);
    // ICMPv6 echo: 40 bytes of IPv6 header and 8 of ICMPv6 before the payload.
    const ping = (size: number) =>
      lab.exec(namespaces[0] ?? "", [
        "ping",
        "-6",
        "-c",
        "1",
        "-W",
        "2",
        "-M",
        "do",
        "-s",
        String(size - 48),
        sides[1].inner,
      ]);
    expect(ping(mtu).status).toBe(0);
    const over = ping(mtu + 1);
    expect(over.status).not.toBe(0);
    expect(ping(mtu).status).toBe(0);
  });
});
