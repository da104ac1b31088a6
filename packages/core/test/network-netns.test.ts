// The pod network on the real kernel (verification.md §5): three simulated nodes from
// fixtures/specs/netns-routed.yaml, each a network namespace on one L2 segment (a switch namespace
// that also plays the host outside the cluster), each running its generated setup.sh unchanged, with
// a "pod" namespace on every node's cbr0. Every address is in 198.18.0.0/15; no namespace is created
// in, and no link reaches, the host's own network. The scripts run under a read-only root.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import type { NodePlan } from "../src/plan/plan.js";
import { parseSpec, planCluster, type ClusterPlan, type ClusterSpec } from "../src/index.js";
import { masqueradeRule, networkArtifacts, ROUTE_PROTOCOL } from "../src/components/network.js";
import { writeNetworkFiles } from "./tools/network-variants.js";
import { addressAt, formatIp, parseCidr } from "../src/net/ip.js";
import { fixtureFiles } from "./helpers.js";
import { must, NetnsLab, networkState, run } from "./tools/netns.js";

const OUTSIDE = "198.18.0.254";
const SEGMENT_PREFIX = 24;

function fixtureInput(name: string): Record<string, unknown> {
  const file = fixtureFiles("specs").find((entry) => entry.name === name);
  if (!file) throw new Error(`no fixture ${name}`);
  return load(file.text) as Record<string, unknown>;
}

function plannedSpec(input: unknown, previous?: ClusterPlan): { spec: ClusterSpec; plan: ClusterPlan } {
  const { spec } = parseSpec(input);
  return { spec, plan: planCluster(spec, previous ? { previous } : {}) };
}

/** The pod's address: the second of the node's range (the first is the bridge's). */
function podAddress(node: NodePlan): string {
  const parsed = parseCidr(node.podCIDR);
  if (!parsed.ok) throw new Error(`bad pod range ${node.podCIDR}`);
  return formatIp(addressAt(parsed.cidr, 2n), parsed.cidr.family);
}

function inBenchmarkRange(address: string): boolean {
  const [a, b] = address.split(".").map(Number);
  return a === 198 && (b === 18 || b === 19);
}

describe("three nodes in network namespaces run their generated setup.sh (netns-routed.yaml)", () => {
  const lab = new NetnsLab("r");
  const scratch = mkdtempSync(join(tmpdir(), "kubescratch-netns-"));
  const input = fixtureInput("netns-routed.yaml");
  const { spec, plan } = plannedSpec(input);
  const context = (node: NodePlan, which = { spec, plan }) => ({
    spec: which.spec,
    plan: which.plan,
    pki: undefined as never,
    profile: which.plan.profile,
    node,
  });
  const nodeNs = new Map<string, string>();
  const podNs = new Map<string, string>();
  const scripts = new Map<string, string>();
  const timings: string[] = [];

  const runSetup = (node: NodePlan, script = scripts.get(node.name)): void => {
    const namespace = nodeNs.get(node.name);
    if (!namespace || !script) throw new Error(`no namespace or script for ${node.name}`);
    const result = lab.runScriptReadOnly(namespace, script);
    if (result.status !== 0)
      throw new Error(
        `setup.sh of ${node.name} failed (${result.status}):\n${result.stderr}${result.stdout}`,
      );
  };

  /** Pings between every pair of pods: [from, to, ok]. */
  const pingMatrix = (): { from: string; to: string; ok: boolean }[] =>
    plan.nodes.flatMap((from) =>
      plan.nodes
        .filter((to) => to.name !== from.name)
        .map((to) => ({
          from: from.name,
          to: to.name,
          ok:
            lab.exec(podNs.get(from.name) ?? "", ["ping", "-c", "1", "-W", "1", podAddress(to)]).status === 0,
        })),
    );

  const masqueradePackets = (node: NodePlan): number => {
    const listing = lab.mustExec(nodeNs.get(node.name) ?? "", [
      "iptables",
      "-t",
      "nat",
      "-L",
      "POSTROUTING",
      "-n",
      "-v",
      "-x",
    ]);
    const line = listing.split("\n").find((each) => /\bMASQUERADE\b/.test(each));
    if (!line) throw new Error(`no MASQUERADE rule on ${node.name}:\n${listing}`);
    return Number(line.trim().split(/\s+/)[0]);
  };

  beforeAll(() => {
    const started = Date.now();
    // Every address the test uses is in the benchmark range.
    for (const node of plan.nodes) {
      for (const address of [node.ip, node.bridgeIP, podAddress(node)])
        if (!inBenchmarkRange(address)) throw new Error(`${address} is outside 198.18.0.0/15`);
    }
    const sw = lab.add("sw");
    must("ip", ["-n", sw, "link", "add", "br0", "type", "bridge"]);
    must("ip", ["-n", sw, "addr", "add", `${OUTSIDE}/${SEGMENT_PREFIX}`, "dev", "br0"]);
    must("ip", ["-n", sw, "link", "set", "br0", "up"]);
    plan.nodes.forEach((node, index) => {
      const ns = lab.add(`n${index + 1}`);
      nodeNs.set(node.name, ns);
      // Both ends are created directly inside their namespaces: nothing appears in the host's.
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
      scripts.set(node.name, writeNetworkFiles(join(scratch, node.name), networkArtifacts(context(node))));
    });
    const scriptsStarted = Date.now();
    for (const node of plan.nodes) runSetup(node);
    timings.push(`3 setup.sh runs ${Date.now() - scriptsStarted} ms`);
    plan.nodes.forEach((node, index) => {
      const ns = nodeNs.get(node.name) ?? "";
      const pod = lab.add(`p${index + 1}`);
      podNs.set(node.name, pod);
      must("ip", ["link", "add", "eth0", "netns", pod, "type", "veth", "peer", "name", "vpod", "netns", ns]);
      must("ip", ["-n", ns, "link", "set", "vpod", "master", plan.network.bridge.name, "up"]);
      must("ip", [
        "-n",
        pod,
        "addr",
        "add",
        `${podAddress(node)}/${plan.network.nodePodCIDRPrefix}`,
        "dev",
        "eth0",
      ]);
      must("ip", ["-n", pod, "link", "set", "eth0", "up"]);
      must("ip", ["-n", pod, "route", "add", "default", "via", node.bridgeIP]);
    });
    timings.push(`topology up ${Date.now() - started} ms`);
  });

  afterAll(() => {
    const problems = lab.cleanup();
    rmSync(scratch, { recursive: true, force: true });
    process.stdout.write(`network-netns timings: ${timings.join("; ")}\n`);
    expect(problems).toEqual([]);
    expect(lab.leftovers()).toEqual([]);
  });

  it("every pod pings every pod on the other nodes (6 pairs)", () => {
    const started = Date.now();
    const matrix = pingMatrix();
    timings.push(`ping matrix ${Date.now() - started} ms`);
    expect(matrix).toHaveLength(6);
    expect(matrix.filter((entry) => !entry.ok)).toEqual([]);
  });

  /** Packets counted by `iptables -A INPUT -s SOURCE` rules in a namespace, by source. */
  const countBySource = (namespace: string, sources: readonly string[]): Map<string, number> => {
    const listing = lab.mustExec(namespace, ["iptables", "-L", "INPUT", "-n", "-v", "-x"]);
    const counts = new Map<string, number>();
    for (const source of sources) {
      const line = listing.split("\n").find((each) => each.includes(` ${source} `));
      counts.set(source, Number(line?.trim().split(/\s+/)[0] ?? Number.NaN));
    }
    return counts;
  };

  it("pods see each other's own addresses: pod-to-pod traffic is not masqueraded", () => {
    for (const node of plan.nodes) {
      for (const other of plan.nodes.filter((each) => each.name !== node.name))
        lab.mustExec(podNs.get(node.name) ?? "", [
          "iptables",
          "-A",
          "INPUT",
          "-p",
          "icmp",
          "-s",
          podAddress(other),
        ]);
    }
    expect(pingMatrix().filter((entry) => !entry.ok)).toEqual([]);
    for (const node of plan.nodes) {
      const others = plan.nodes.filter((each) => each.name !== node.name).map(podAddress);
      for (const [source, packets] of countBySource(podNs.get(node.name) ?? "", others))
        expect({ pod: node.name, source, seen: packets >= 1 }).toEqual({
          pod: node.name,
          source,
          seen: true,
        });
    }
  });

  it("traffic leaving the cluster's pod range is masqueraded: the rule's counters move, the outside sees node addresses", () => {
    const sw = `${lab.prefix}-sw`;
    const nodeIps = plan.nodes.map((node) => node.ip);
    const podIps = plan.nodes.map(podAddress);
    for (const source of [...nodeIps, ...podIps])
      lab.mustExec(sw, ["iptables", "-A", "INPUT", "-p", "icmp", "-s", source]);
    const before = plan.nodes.map(masqueradePackets);
    // The outside host has no route to any pod range: only masqueraded packets get an answer.
    for (const node of plan.nodes) {
      const ping = lab.exec(podNs.get(node.name) ?? "", ["ping", "-c", "1", "-W", "1", OUTSIDE]);
      expect({ node: node.name, status: ping.status }).toEqual({ node: node.name, status: 0 });
    }
    const after = plan.nodes.map(masqueradePackets);
    after.forEach((count, index) => expect(count).toBeGreaterThan(before[index] ?? 0));
    const seen = countBySource(sw, [...nodeIps, ...podIps]);
    expect(nodeIps.map((ip) => (seen.get(ip) ?? 0) >= 1)).toEqual([true, true, true]);
    expect(podIps.map((ip) => seen.get(ip))).toEqual([0, 0, 0]);
    timings.push(`masquerade counters ${before.join(",")} -> ${after.join(",")}`);
  });

  it("without the masquerade rule the outside host cannot answer a pod; setup.sh puts the rule back", () => {
    const node = plan.nodes[0] as NodePlan;
    const ns = nodeNs.get(node.name) ?? "";
    lab.mustExec(ns, [
      "iptables",
      "-t",
      "nat",
      "-D",
      ...masqueradeRule({ spec, plan, pki: undefined as never, profile: plan.profile }),
    ]);
    // A new ping has a new ICMP id: a new connection, which nothing translates any more.
    expect(lab.exec(podNs.get(node.name) ?? "", ["ping", "-c", "1", "-W", "1", OUTSIDE]).status).not.toBe(0);
    runSetup(node);
    expect(lab.exec(podNs.get(node.name) ?? "", ["ping", "-c", "1", "-W", "1", OUTSIDE]).status).toBe(0);
  });

  it("running setup.sh again leaves exactly the same routes and rules (ip route, iptables-save)", () => {
    const before = plan.nodes.map((node) => networkState(lab, nodeNs.get(node.name) ?? ""));
    for (const node of plan.nodes) runSetup(node);
    const after = plan.nodes.map((node) => networkState(lab, nodeNs.get(node.name) ?? ""));
    expect(after).toEqual(before);
    // And the state has what the plan says: two tagged routes per node, one MASQUERADE, one jump on node-1.
    for (const [index, node] of plan.nodes.entries()) {
      const tagged = lab.mustExec(nodeNs.get(node.name) ?? "", [
        "ip",
        "-4",
        "route",
        "show",
        "proto",
        String(ROUTE_PROTOCOL),
      ]);
      expect(tagged.trim().split("\n")).toHaveLength(2);
      expect((after[index]?.rules.match(/-j MASQUERADE/g) ?? []).length).toBe(1);
    }
    expect(after[0]?.rules).toMatch(/-A INPUT -j KUBESCRATCH-APISERVER/);
    expect(after[1]?.rules).not.toMatch(/KUBESCRATCH-APISERVER/);
  });

  it("without the routes pod-to-pod pings fail; setup.sh restores them", () => {
    for (const node of plan.nodes) {
      const ns = nodeNs.get(node.name) ?? "";
      for (const other of plan.nodes.filter((each) => each.name !== node.name))
        lab.mustExec(ns, ["ip", "route", "del", other.podCIDR, "proto", String(ROUTE_PROTOCOL)]);
    }
    const started = Date.now();
    const broken = pingMatrix();
    timings.push(`ping matrix without routes ${Date.now() - started} ms`);
    expect(broken.filter((entry) => entry.ok)).toEqual([]);
    expect(broken).toHaveLength(6);
    for (const node of plan.nodes) runSetup(node);
    expect(pingMatrix().filter((entry) => !entry.ok)).toEqual([]);
  });

  it("a node removed from the spec loses its routes on the others; stale routes of ours go, foreign ones stay", () => {
    const [first, second, third] = plan.nodes as [NodePlan, NodePlan, NodePlan];
    const smaller = plannedSpec(
      {
        ...input,
        nodes: (input.nodes as unknown[]).filter((node) => (node as { name: string }).name !== third.name),
      },
      plan,
    );
    const firstNow = smaller.plan.nodes.find((node) => node.name === first.name) as NodePlan;
    expect(firstNow.podCIDR).toBe(first.podCIDR);
    const ns = nodeNs.get(first.name) ?? "";
    // A route someone else added inside the pod range (no kubescratch tag) must survive.
    lab.mustExec(ns, ["ip", "route", "add", "198.19.200.0/24", "via", second.ip]);
    runSetup(
      first,
      writeNetworkFiles(join(scratch, "smaller"), networkArtifacts(context(firstNow, smaller))),
    );
    const routes = lab.mustExec(ns, ["ip", "-4", "route", "show"]);
    expect(routes).toContain(`${second.podCIDR} via ${second.ip}`);
    expect(routes).not.toContain(third.podCIDR);
    expect(routes).toContain(`198.19.200.0/24 via ${second.ip}`);
    const ping = (to: NodePlan) =>
      lab.exec(podNs.get(first.name) ?? "", ["ping", "-c", "1", "-W", "1", podAddress(to)]).status;
    expect(ping(second)).toBe(0);
    expect(ping(third)).not.toBe(0);
    lab.mustExec(ns, ["ip", "route", "del", "198.19.200.0/24"]);
    runSetup(first);
    expect(ping(third)).toBe(0);
  });

  it("the namespaces are the lab's only: the host's own network is untouched", () => {
    const hostLinks = run("ip", ["-o", "link", "show"]).stdout;
    expect(hostLinks).not.toMatch(/\bcbr0\b|\bvpod\b/);
    expect(lab.leftovers().length).toBe(plan.nodes.length * 2 + 1);
  });
});
