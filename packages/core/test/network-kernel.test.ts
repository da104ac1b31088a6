// Generated network files against the real kernel and the real CNI plugins, each in throwaway
// network namespaces (verification.md §4, §5, §7):
// - every rule set setup.sh loads is applied for real (iptables-restore without --test, which misses
//   unknown targets and chains);
// - every node's setup.sh of every variant (seed docker/rkt, kubelet-managed bridge, firewall-only,
//   each overlay in both eras) runs twice, unchanged, under a read-only root, and leaves the same
//   routes and rules both times;
// - the CNI configuration is used by Debian's containernetworking-plugins to add a pod.
// Namespaces carry a unique prefix and are deleted in afterAll/finally; nothing touches the host's.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodePlan } from "../src/plan/plan.js";
import {
  CNI_BRIDGE_PATH,
  CNI_LOOPBACK_PATH,
  CNI_VERSION,
  FIREWALL_CHAIN,
  NETWORK_SETUP_PATH,
  ROUTE_PROTOCOL,
} from "../src/components/network.js";
import { podMTU } from "../src/components/network-mtu.js";
import {
  FLANNEL_ETCD_SCRIPT_PATH,
  OVS_BRIDGE,
  OVS_LINK,
  tunnelPort,
} from "../src/components/network-overlays.js";
import { must, NetnsLab, networkState, run } from "./tools/netns.js";
import {
  mustFile,
  renderAll,
  renderVariant,
  VARIANTS,
  type RenderedVariant,
  writeNetworkFiles,
} from "./tools/network-variants.js";

const CNI_BIN = "/usr/lib/cni";
const lab = new NetnsLab("k");
const scratch = mkdtempSync(join(tmpdir(), "kubescratch-kernel-"));
let all: RenderedVariant[] = [];

beforeAll(async () => {
  all = await renderAll();
});

afterAll(() => {
  const problems = lab.cleanup();
  rmSync(scratch, { recursive: true, force: true });
  expect(problems).toEqual([]);
  expect(lab.leftovers()).toEqual([]);
});

/** The iptables-restore inputs of a setup.sh: its heredocs, with the tool that loads each. */
function ruleSets(script: string): { tool: string; rules: string }[] {
  return [...script.matchAll(/^(ip6?tables)-restore --noflush <<'RULES'\n([\s\S]*?)\nRULES$/gm)].map(
    (match) => ({
      tool: match[1] ?? "",
      rules: `${match[2] ?? ""}\n`,
    }),
  );
}

/** Loads a rule set for real in a fresh namespace; returns the failure text, or "" when it loaded. */
function loadForReal(name: string, tool: string, rules: string): string {
  const namespace = lab.add(name);
  try {
    const result = lab.exec(namespace, [`${tool}-restore`], rules);
    return result.status === 0 ? "" : `${result.stderr}${result.stdout}`.trim() || `status ${result.status}`;
  } finally {
    must("ip", ["netns", "del", namespace]);
  }
}

function writeScript(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content, { mode: 0o755 });
  return path;
}

describe("every generated rule set loads for real inside a throwaway namespace", () => {
  it("the apiserver firewall of every control-plane node, and the seed's masquerade rule, of every fixture and variant", () => {
    let loaded = 0;
    for (const cluster of all) {
      for (const [node, files] of cluster.nodes) {
        const script = mustFile(files, NETWORK_SETUP_PATH).content;
        const sets = ruleSets(script);
        expect({ node, sets: sets.length }).toEqual({
          node,
          // One firewall per address family: iptables, and ip6tables too on a dual-stack node.
          sets: cluster.plan.controlPlane.nodes.includes(node) ? cluster.plan.network.families.length : 0,
        });
        for (const set of sets) {
          expect({ cluster: cluster.name, node, error: loadForReal("fw", set.tool, set.rules) }).toEqual({
            cluster: cluster.name,
            node,
            error: "",
          });
          loaded++;
        }
        const masquerade = /^\s*(ip6?tables) -t nat -A (POSTROUTING .*MASQUERADE)$/m.exec(script);
        if (masquerade) {
          const rules = `*nat\n-A ${masquerade[2] ?? ""}\nCOMMIT\n`;
          expect({
            cluster: cluster.name,
            node,
            error: loadForReal("mq", masquerade[1] ?? "", rules),
          }).toEqual({
            cluster: cluster.name,
            node,
            error: "",
          });
          loaded++;
        }
      }
    }
    expect(loaded).toBeGreaterThan(60);
  });

  it("the same harness rejects what --test lets through: a misspelt target, a jump to an undeclared chain", () => {
    const firewall = ruleSets(mustFile(all[0]?.nodes.values().next().value, NETWORK_SETUP_PATH).content)[0];
    if (!firewall) throw new Error("no firewall rule set on the first node");
    expect(
      loadForReal("bad", "iptables", "*nat\n-A POSTROUTING ! -d 198.19.0.0/16 -j MASQUERAD\nCOMMIT\n"),
    ).not.toBe("");
    expect(
      loadForReal("bad", "iptables", firewall.rules.replace(/-j ACCEPT/, "-j KUBESCRATCH-MISSING")),
    ).not.toBe("");
    expect(loadForReal("ok", "iptables", firewall.rules)).toBe("");
  });
});

/**
 * A stand-in for ovs-vsctl (this kernel has no Open vSwitch datapath): logs its calls to stderr, lists
 * one stale tunnel, and plays obr0's internal port with a Linux bridge so the ip commands after it run.
 */
const OVS_STUB = `#!/bin/sh
echo "ovs-vsctl $*" >&2
case "$*" in
  "--may-exist add-br ${OVS_BRIDGE}") ip link show dev ${OVS_BRIDGE} >/dev/null 2>&1 || ip link add name ${OVS_BRIDGE} type bridge ;;
  "--may-exist add-port ${OVS_BRIDGE} ${OVS_LINK.ovsSide}") ip link set dev ${OVS_LINK.ovsSide} master ${OVS_BRIDGE} ;;
  "list-ports ${OVS_BRIDGE}") echo vxdeadbeef; echo ${OVS_LINK.ovsSide} ;;
esac
`;

describe("every variant's setup.sh runs twice on the real kernel and leaves the same state", () => {
  const stubDirectory = join(scratch, "ovs-stub");

  beforeAll(() => {
    mkdirSync(stubDirectory, { recursive: true });
    writeFileSync(join(stubDirectory, "ovs-vsctl"), OVS_STUB);
    chmodSync(join(stubDirectory, "ovs-vsctl"), 0o755);
  });

  for (const name of ["netns-routed", ...Object.keys(VARIANTS)]) {
    it(name, async () => {
      const cluster =
        name === "netns-routed"
          ? all.find((each) => each.name === "netns-routed.yaml")
          : await renderVariant(name);
      if (!cluster) throw new Error(`no ${name}`);
      const { plan, spec } = cluster;
      const network = plan.network;
      // An IPv6 cluster's node: its link, rules, routes and forwarding are of that family.
      const ipv6 = network.families[0] === "ipv6";
      const tables = ipv6 ? "ip6tables" : "iptables";
      for (const node of plan.nodes) {
        const namespace = lab.add("v", { ipv6 });
        try {
          // The node's own link with its address (the other nodes' addresses are on-link).
          lab.uplink(namespace, `${node.ip}/${ipv6 ? 64 : 24}`);
          if (spec.runtime.type === "docker") {
            // What a docker that ran before Kubernetes leaves behind (S16).
            lab.mustExec(namespace, ["ip", "link", "add", "docker0", "type", "bridge"]);
            lab.mustExec(namespace, ["ip", "addr", "add", "198.18.254.1/24", "dev", "docker0"]);
            lab.mustExec(namespace, ["iptables", "-t", "nat", "-N", "DOCKER"]);
            lab.mustExec(namespace, [
              "iptables",
              "-t",
              "nat",
              "-A",
              "POSTROUTING",
              "-s",
              "198.18.254.0/24",
              "!",
              "-o",
              "docker0",
              "-j",
              "MASQUERADE",
            ]);
            lab.mustExec(namespace, [
              "iptables",
              "-t",
              "nat",
              "-A",
              "PREROUTING",
              "-m",
              "addrtype",
              "--dst-type",
              "LOCAL",
              "-j",
              "DOCKER",
            ]);
          }
          const script = writeNetworkFiles(
            join(scratch, `${name}-${node.name}`),
            cluster.nodes.get(node.name) ?? [],
          );
          const env = { PATH: `${stubDirectory}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` };
          const first = lab.runScriptReadOnly(namespace, script, env);
          expect({
            node: node.name,
            status: first.status,
            stderr: first.stderr.replace(/^ovs-vsctl .*\n/gm, ""),
          }).toEqual({ node: node.name, status: 0, stderr: "" });
          const once = networkState(lab, namespace);
          const second = lab.runScriptReadOnly(namespace, script, env);
          expect(second.status).toBe(0);
          expect(networkState(lab, namespace)).toEqual(once);

          const links = lab.mustExec(namespace, ["ip", "-d", "-o", "link", "show"]);
          const bridge = network.bridge.name;
          const ownBridge =
            network.bridge.management === "manual" &&
            !(
              plan.profile.era === "current" &&
              network.mode === "overlay" &&
              network.overlay !== "openvswitch"
            );
          expect(new RegExp(`^\\d+: ${bridge}: .* mtu ${podMTU(network)} .*bridge`, "m").test(links)).toBe(
            ownBridge,
          );
          if (ownBridge)
            expect(
              lab.mustExec(namespace, ["ip", ipv6 ? "-6" : "-4", "-o", "addr", "show", "dev", bridge]),
            ).toContain(node.bridgeAddress);
          expect(links).not.toMatch(/: docker0:/);
          const nat = lab.mustExec(namespace, [tables, "-t", "nat", "-S"]);
          expect(nat).not.toMatch(/DOCKER|198\.18\.254/);
          expect((nat.match(/-j MASQUERADE/g) ?? []).length).toBe(network.masquerade ? 1 : 0);
          const filter = lab.mustExec(namespace, [tables, "-S"]);
          const master = plan.controlPlane.nodes.includes(node.name);
          expect(filter.includes(`-A INPUT -j ${FIREWALL_CHAIN}`)).toBe(master);
          if (master && spec.security.mode === "firewall-only")
            expect(filter).toMatch(/--dport 8080 .*-j REJECT --reject-with tcp-reset/);
          const tagged = lab
            .mustExec(namespace, ["ip", ipv6 ? "-6" : "-4", "route", "show", "proto", String(ROUTE_PROTOCOL)])
            .trim();
          const expectedRoutes =
            network.mode === "routed" && network.bridge.management === "manual"
              ? plan.nodes.length - 1
              : network.overlay === "openvswitch"
                ? 1
                : 0;
          expect(tagged === "" ? 0 : tagged.split("\n").length).toBe(expectedRoutes);
          expect(
            lab
              .mustExec(namespace, [
                "sysctl",
                "-n",
                ipv6 ? "net.ipv6.conf.all.forwarding" : "net.ipv4.ip_forward",
              ])
              .trim(),
          ).toBe("1");
          if (network.overlay === "openvswitch" && network.mode === "overlay") {
            const calls = first.stderr;
            for (const other of plan.nodes.filter((each) => each.name !== node.name))
              expect(calls).toContain(
                `add-port ${OVS_BRIDGE} ${tunnelPort(other)} -- set interface ${tunnelPort(other)} type=vxlan options:remote_ip=${other.ip}`,
              );
            expect(calls).not.toContain(`options:remote_ip=${node.ip}`);
            expect(calls).toContain(`del-port ${OVS_BRIDGE} vxdeadbeef`);
            expect(calls).not.toContain(`del-port ${OVS_BRIDGE} ${OVS_LINK.ovsSide}`);
            expect(links).toMatch(
              new RegExp(
                `: ${OVS_LINK.bridgeSide}@${OVS_LINK.ovsSide}: .* mtu ${podMTU(network)} .*master ${bridge}`,
              ),
            );
          }
        } finally {
          must("ip", ["netns", "del", namespace]);
        }
      }
    });
  }

  it("turning masquerading off removes the rule an earlier run added", async () => {
    const on = all.find((each) => each.name === "netns-routed.yaml");
    const off = await renderVariant("seed-docker-firewall-nomasq");
    const namespace = lab.add("mq");
    try {
      lab.uplink(namespace, "198.18.0.1/24");
      expect(
        lab.runScriptReadOnly(
          namespace,
          writeNetworkFiles(join(scratch, "on"), on?.nodes.get("node-1") ?? []),
        ).status,
      ).toBe(0);
      expect(lab.mustExec(namespace, ["iptables", "-t", "nat", "-S"])).toMatch(/-j MASQUERADE/);
      expect(
        lab.runScriptReadOnly(
          namespace,
          writeNetworkFiles(join(scratch, "off"), off.nodes.get("node-1") ?? []),
        ).status,
      ).toBe(0);
      expect(lab.mustExec(namespace, ["iptables", "-t", "nat", "-S"])).not.toMatch(/-j MASQUERADE/);
    } finally {
      must("ip", ["netns", "del", namespace]);
    }
  });
});

describe("the CNI configuration with Debian's CNI plugins (bridge, host-local, loopback)", () => {
  it("the plugins accept its cniVersion, add a pod on the node's cbr0 with an address from the node's range, check and delete it", () => {
    const cluster = all.find((each) => each.name === "netns-routed.yaml");
    const node = cluster?.plan.nodes[1] as NodePlan;
    const files = cluster?.nodes.get(node.name);
    const bridgeConf = mustFile(files, CNI_BRIDGE_PATH).content;
    const loopbackConf = mustFile(files, CNI_LOOPBACK_PATH).content;
    const supported = JSON.parse(
      run(`${CNI_BIN}/bridge`, [], "", { ...process.env, CNI_COMMAND: "VERSION" }).stdout || "{}",
    ) as { supportedVersions?: string[] };
    expect(supported.supportedVersions).toContain(CNI_VERSION);

    const started = Date.now();
    const nodeNs = lab.add("cn");
    const podNs = lab.add("cp");
    const state = join(scratch, "var-lib");
    mkdirSync(state, { recursive: true });
    // host-local keeps its leases under /var/lib/cni: a private bind mount keeps them in scratch.
    const plugin = (command: string, type: string, ifname: string, config: string) =>
      run(
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mount --bind "$0" /var/lib && exec ip netns exec "$1" env CNI_COMMAND="$2" CNI_CONTAINERID=ks5-pod CNI_NETNS="/run/netns/$3" CNI_IFNAME="$4" CNI_PATH="$5" "$5/$6"',
          state,
          nodeNs,
          command,
          podNs,
          ifname,
          CNI_BIN,
          type,
        ],
        config,
      );
    lab.uplink(nodeNs, `${node.ip}/24`);
    const setup = lab.runScriptReadOnly(nodeNs, writeNetworkFiles(join(scratch, "cni-node"), files ?? []));
    expect(setup.status).toBe(0);

    const loopback = plugin("ADD", "loopback", "lo", loopbackConf);
    expect(loopback.stderr + loopback.stdout).toMatch(/"cniVersion": ?"1\.0\.0"/);
    expect(loopback.status).toBe(0);
    const added = plugin("ADD", "bridge", "eth0", bridgeConf);
    expect({ status: added.status, stderr: added.stderr }).toEqual({ status: 0, stderr: "" });
    const result = JSON.parse(added.stdout) as { ips: { address: string; gateway: string }[] };
    const address = result.ips[0]?.address ?? "";
    expect(address.endsWith(`/${cluster?.plan.network.nodePodCIDRPrefix ?? 0}`)).toBe(true);
    expect(address.startsWith(node.podCIDR.split(".").slice(0, 3).join("."))).toBe(true);
    expect(result.ips[0]?.gateway).toBe(node.bridgeIP);

    const pod = lab.mustExec(podNs, ["ip", "-o", "addr", "show", "dev", "eth0"]);
    expect(pod).toContain(address);
    expect(lab.mustExec(podNs, ["ip", "-o", "link", "show", "dev", "eth0"])).toContain(
      `mtu ${podMTU(cluster?.plan.network ?? ({ mode: "routed", mtu: 1500 } as never))}`,
    );
    expect(lab.mustExec(podNs, ["ip", "-o", "link", "show", "dev", "lo"])).toMatch(/UP/);
    expect(lab.mustExec(podNs, ["ip", "route", "show", "default"])).toContain(`via ${node.bridgeIP}`);
    // The pod's veth is on the node's cbr0, which setup.sh made and the plugin reused.
    expect(lab.mustExec(nodeNs, ["ip", "-o", "-4", "addr", "show", "dev", "cbr0"])).toContain(
      node.bridgeAddress,
    );
    expect(lab.mustExec(nodeNs, ["ip", "-o", "link", "show", "master", "cbr0"])).toMatch(/veth/);
    const podIp = address.split("/")[0] ?? "";
    expect(lab.exec(nodeNs, ["ping", "-c", "1", "-W", "1", podIp]).status).toBe(0);
    expect(lab.exec(podNs, ["ping", "-c", "1", "-W", "1", node.bridgeIP]).status).toBe(0);
    // ipMasq is off: the plugin added no masquerading chain of its own.
    expect(lab.mustExec(nodeNs, ["iptables", "-t", "nat", "-S"])).not.toMatch(/CNI-/);
    expect(readdirSync(join(state, "cni", "networks", "kubescratch"))).toContain(podIp);

    const withPrevious = JSON.stringify({ ...JSON.parse(bridgeConf), prevResult: JSON.parse(added.stdout) });
    const check = plugin("CHECK", "bridge", "eth0", withPrevious);
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 0, stderr: "" });
    const deleted = plugin("DEL", "bridge", "eth0", bridgeConf);
    expect({ status: deleted.status, stderr: deleted.stderr }).toEqual({ status: 0, stderr: "" });
    expect(lab.exec(podNs, ["ip", "link", "show", "dev", "eth0"]).status).not.toBe(0);
    expect(readdirSync(join(state, "cni", "networks", "kubescratch"))).not.toContain(podIp);

    // The plugins are strict about the version: the next spec version is refused.
    const newer = plugin("ADD", "bridge", "eth0", bridgeConf.replace(`"${CNI_VERSION}"`, '"1.1.0"'));
    expect(newer.status).not.toBe(0);
    expect(newer.stdout + newer.stderr).toMatch(/incompatible CNI versions/);
    process.stdout.write(`CNI plugins: ADD, CHECK, DEL and pings in ${Date.now() - started} ms\n`);
  });
});

describe("seed-era flannel's etcd script against a real etcd (v2 API)", () => {
  it("writes the network and one reservation (no TTL) per node; a second run changes nothing", async () => {
    const cluster = await renderVariant("seed-flannel");
    const member = cluster.plan.etcd.members[0];
    if (!member) throw new Error("no etcd member");
    const namespace = lab.add("et");
    lab.uplink(namespace, `${member.ip}/24`);
    const data = join(scratch, "etcd-data");
    // etcd 3.4 (Debian's) serves the v2 API the seed's flannel reads when asked to; it listens on the
    // member's own address inside the namespace, its peer and metrics ports on the namespace's loopback.
    const etcd = spawn(
      "ip",
      [
        "netns",
        "exec",
        namespace,
        "etcd",
        "--name",
        member.name,
        "--data-dir",
        data,
        "--enable-v2",
        "--listen-client-urls",
        member.clientURL,
        "--advertise-client-urls",
        member.clientURL,
        "--listen-peer-urls",
        "http://127.0.0.1:23899",
        "--initial-advertise-peer-urls",
        "http://127.0.0.1:23899",
        "--initial-cluster",
        `${member.name}=http://127.0.0.1:23899`,
        "--listen-metrics-urls",
        "http://127.0.0.1:23898",
        "--logger=zap",
        "--log-outputs=stderr",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    etcd.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const etcdctl = (...args: string[]) =>
      lab.exec(namespace, ["env", "ETCDCTL_API=2", "etcdctl", "--endpoints", member.clientURL, ...args]);
    try {
      const deadline = Date.now() + 15_000;
      while (etcdctl("ls", "/").status !== 0) {
        if (Date.now() > deadline) throw new Error(`etcd did not start:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const script = writeScript(
        "flannel-etcd.sh",
        mustFile(cluster.admin, FLANNEL_ETCD_SCRIPT_PATH).content,
      );
      for (const round of [1, 2]) {
        const result = lab.runScriptReadOnly(namespace, script);
        expect({ round, status: result.status, stderr: result.stderr }).toEqual({
          round,
          status: 0,
          stderr: "",
        });
      }
      expect(JSON.parse(etcdctl("get", "/coreos.com/network/config").stdout)).toEqual({
        Network: cluster.plan.network.podCIDR,
        SubnetLen: cluster.plan.network.nodePodCIDRPrefix,
        Backend: { Type: "vxlan" },
      });
      const keys = etcdctl("ls", "/coreos.com/network/subnets").stdout.trim().split("\n").sort();
      expect(keys).toEqual(
        cluster.plan.nodes
          .map((node) => `/coreos.com/network/subnets/${node.podCIDR.replace("/", "-")}`)
          .sort(),
      );
      for (const node of cluster.plan.nodes) {
        const extended = etcdctl(
          "-o",
          "extended",
          "get",
          `/coreos.com/network/subnets/${node.podCIDR.replace("/", "-")}`,
        ).stdout;
        expect(extended).toMatch(/^TTL: 0$/m);
        expect(extended).toContain(JSON.stringify({ PublicIP: node.ip, BackendType: "vxlan" }));
      }
    } finally {
      etcd.kill("SIGKILL");
      await new Promise((resolve) =>
        etcd.exitCode !== null ? resolve(undefined) : etcd.once("exit", resolve),
      );
      must("ip", ["netns", "del", namespace]);
    }
  });
});
