// The network and hygiene files (S3-S6, S16, S20-S22) read back by the tools that will read them on a
// node: shellcheck for every script, systemd-analyze for the units, kubernetes-models for the overlay
// manifests, monit, logrotate and apt-config for the hygiene files; and the facts that tie the files
// together (routes per node, one pod MTU everywhere, the CNI configuration). The kernel-level checks
// (scripts and rule sets applied in network namespaces, the CNI plugins) are in network-kernel.test.ts
// and network-netns.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import type { Artifact } from "../src/artifact.js";
import { planCluster } from "../src/index.js";
import {
  CNI_BRIDGE_PATH,
  CNI_LOOPBACK_PATH,
  CNI_VERSION,
  NETWORK_SETUP_PATH,
  POD_ROUTES_PATH,
  NETWORK_UNIT_PATH,
} from "../src/components/network.js";
import { encapsulationOverhead, podMTU } from "../src/components/network-mtu.js";
import {
  FLANNEL_ETCD_SCRIPT_PATH,
  FLANNEL_UNIT_PATH,
  OVERLAY_MANIFEST_PATHS,
  tunnelPort,
} from "../src/components/network-overlays.js";
import {
  AUTO_UPGRADES_PATH,
  LOGROTATE_PATH,
  MONIT_PATH,
  UNATTENDED_UPGRADES_PATH,
} from "../src/components/hygiene.js";
import { HYGIENE_PACKAGES_PATH } from "../src/install-paths.js";
import { run } from "./tools/netns.js";
import { validateKubernetesObject } from "./tools/kubernetes-validate.js";
import {
  fileOf,
  mustFile,
  netnsRoutedInput,
  renderAll,
  renderFixture,
  renderSpec,
  renderVariant,
  type RenderedVariant,
} from "./tools/network-variants.js";
import { verifyUnits } from "./tools/systemd-verify.js";

let all: RenderedVariant[] = [];
const scratch = mkdtempSync(join(tmpdir(), "kubescratch-network-"));

beforeAll(async () => {
  all = await renderAll();
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function eachNode(): { cluster: RenderedVariant; node: string; files: readonly Artifact[] }[] {
  return all.flatMap((cluster) => [...cluster.nodes].map(([node, files]) => ({ cluster, node, files })));
}

function byName(name: string): RenderedVariant {
  const found = all.find((cluster) => cluster.name === name);
  if (!found) throw new Error(`no cluster ${name}`);
  return found;
}

const MINE =
  /^\/etc\/(kubernetes\/(network|hygiene)\/|cni\/|sysctl\.d\/60-kubescratch|modules-load\.d\/kubescratch|iproute2\/|apt\/|logrotate\.d\/|monit\/)|kubescratch-network\.service$|flanneld\.service$/;

describe("every generated script passes shellcheck", () => {
  it("node scripts (setup.sh, install-packages.sh) and the admin's flannel-etcd.sh, for every fixture and variant", () => {
    const directory = join(scratch, "shellcheck");
    mkdirSync(directory, { recursive: true });
    const paths: string[] = [];
    for (const cluster of all) {
      const scripts = [
        ...[...cluster.nodes].flatMap(([node, files]) => files.map((file) => ({ owner: node, file }))),
        ...cluster.admin.map((file) => ({ owner: "admin", file })),
      ].filter(
        ({ file }) => file.kind === "script" && (MINE.test(file.path) || file.path.startsWith("network/")),
      );
      for (const { owner, file } of scripts) {
        const path = join(directory, `${cluster.name}--${owner}--${file.path.replace(/\//g, "_")}`);
        writeFileSync(path, file.content);
        paths.push(path);
      }
    }
    const result = run("shellcheck", ["--severity=style", "--format=gcc", "--shell=bash", ...paths]);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
    // 7 fixtures and 10 variants: every node has setup.sh, most have install-packages.sh.
    expect(paths.filter((path) => path.endsWith("network_setup.sh")).length).toBe(
      all.reduce((sum, cluster) => sum + cluster.nodes.size, 0),
    );
    expect(paths.some((path) => path.includes("flannel-etcd.sh"))).toBe(true);
  });

  it("shellcheck is strict enough to fail a script (an unquoted variable)", () => {
    const path = join(scratch, "bad.sh");
    writeFileSync(path, "#!/usr/bin/env bash\nset -euo pipefail\nroute=$1\nip route del $route\n");
    expect(run("shellcheck", ["--severity=style", "--format=gcc", path]).stdout).toMatch(/SC2086/);
  });
});

describe("setup.sh: routes (S3a)", () => {
  it("each node routes every other node's pod range via that node's IP, and nothing else", () => {
    for (const { cluster, node, files } of eachNode().filter(
      ({ cluster }) => cluster.plan.network.mode === "routed",
    )) {
      const script = mustFile(files, NETWORK_SETUP_PATH).content;
      const table = fileOf(files, POD_ROUTES_PATH)?.content ?? "";
      // One routing pass per family: a dual-stack node skips its own range of each.
      const own = [...script.matchAll(/^own_pod_cidr=(\S+)$/gm)].map((match) => match[1]);
      const routes = table
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => line.split(" "))
        .filter(([cidr]) => !own.includes(cidr))
        .map(([cidr, via]) => `${cidr ?? ""} ${via ?? ""}`);
      const expected =
        cluster.plan.network.bridge.management === "kubelet"
          ? []
          : cluster.plan.nodes
              .filter((other) => other.name !== node)
              .flatMap((other) => [
                `${other.podCIDR} ${other.ip}`,
                ...(other.secondary === undefined
                  ? []
                  : [`${other.secondary.podCIDR} ${other.secondary.ip}`]),
              ]);
      expect({ cluster: cluster.name, node, routes }).toEqual({
        cluster: cluster.name,
        node,
        routes: expected,
      });
      const self = cluster.plan.nodes.find((each) => each.name === node);
      if (expected.length > 0)
        expect(own).toEqual([
          self?.podCIDR,
          ...(self?.secondary === undefined ? [] : [self.secondary.podCIDR]),
        ]);
    }
  });

  it("pod-routes is the same file on every node of a cluster, so setup.sh does not grow with the cluster", () => {
    for (const cluster of all.filter((each) => each.plan.network.mode === "routed")) {
      const tables = new Set(
        [...cluster.nodes.values()].map((files) => fileOf(files, POD_ROUTES_PATH)?.content),
      );
      expect({ cluster: cluster.name, distinct: tables.size }).toEqual({
        cluster: cluster.name,
        distinct: 1,
      });
    }
  });

  it("removing a node from the spec removes its routes (and firewall entry) from every other node's script, and changes nothing else", async () => {
    for (const name of ["netns-routed.yaml", "current-ha.yaml", "seed-firewall.yaml"]) {
      const before = await renderFixture(name);
      const gone = before.plan.nodes[before.plan.nodes.length - 1];
      if (!gone) throw new Error("no node");
      const spec = { ...before.spec, nodes: before.spec.nodes.filter((node) => node.name !== gone.name) };
      const after = await renderSpec(name, spec, planCluster(spec, { previous: before.plan }));
      for (const [node, files] of after.nodes) {
        const old = before.nodes.get(node) ?? [];
        for (const file of files.filter((each) => MINE.test(each.path))) {
          const previous = mustFile(old, file.path).content;
          const oldLines = previous.split("\n");
          const newLines = file.content.split("\n");
          const removed = oldLines.filter((line) => !newLines.includes(line));
          const added = newLines.filter((line) => !oldLines.includes(line));
          expect({ node, path: file.path, added }).toEqual({ node, path: file.path, added: [] });
          if (file.path === POD_ROUTES_PATH) {
            expect(removed).toEqual([`${gone.podCIDR} ${gone.ip} ${gone.name}`]);
            continue;
          }
          // The firewall lets the gone node's address in no more (firewall-only); nothing else changes.
          const mentionsGone = (line: string) =>
            line.includes(`${gone.ip}/`) || line.endsWith(`: ${gone.name}" -j ACCEPT`);
          expect({
            node,
            path: file.path,
            unexplained: removed.filter((line) => !mentionsGone(line)),
          }).toEqual({
            node,
            path: file.path,
            unexplained: [],
          });
        }
        if (after.plan.network.mode === "routed" && after.plan.network.bridge.management !== "kubelet")
          expect(mustFile(files, POD_ROUTES_PATH).content).not.toContain(gone.podCIDR);
      }
    }
  });
});

describe("one pod MTU everywhere (S3b, S16, S20)", () => {
  it("each overlay leaves room for its headers: VXLAN 50 over IPv4, 70 over IPv6 (flannel's second tunnel too), weave 124", () => {
    const mtus = Object.fromEntries(
      all
        .filter(
          (cluster) => cluster.plan.network.mode === "overlay" && cluster.plan.profile.era === "current",
        )
        .map((cluster) => [cluster.name, [cluster.plan.network.mtu, podMTU(cluster.plan.network)]]),
    );
    expect(mtus).toEqual({
      "current-flannel.yaml": [1450, 1400],
      "current-flannel-dualstack.yaml": [1500, 1430],
      "current-flannel": [1500, 1450],
      "current-flannel-ipv6": [1500, 1430],
      "current-weave": [1500, 1376],
      "current-openvswitch": [9000, 8950],
      "current-openvswitch-1500": [1500, 1450],
    });
  });

  it("overlays take their encapsulation off network.mtu; bridge, docker, CNI, flannel and weave agree", () => {
    const seen: string[] = [];
    for (const cluster of all) {
      const network = cluster.plan.network;
      const mtu = podMTU(network);
      if (network.mode === "overlay") expect(mtu).toBe(network.mtu - encapsulationOverhead(network));
      else expect(mtu).toBe(network.mtu);
      for (const [, files] of cluster.nodes) {
        const script = mustFile(files, NETWORK_SETUP_PATH).content;
        const bridge = /^ip link set dev \S+ mtu (\d+)$/m.exec(script);
        if (bridge) expect(Number(bridge[1])).toBe(mtu);
        const docker = fileOf(files, "/etc/default/docker");
        const dockerMtu = docker && /--mtu=(\d+)/.exec(docker.content);
        if (dockerMtu) expect(Number(dockerMtu[1])).toBe(mtu);
        else if (docker) expect(mtu).toBe(1500);
        const cni = fileOf(files, CNI_BRIDGE_PATH);
        if (cni) expect((JSON.parse(cni.content) as { mtu: number }).mtu).toBe(mtu);
        seen.push(
          ...[bridge && "bridge", dockerMtu && "docker", cni && "cni"].filter(
            (each): each is string => !!each,
          ),
        );
      }
      for (const file of cluster.admin.filter(
        (each) =>
          each.kind === "kubernetes-manifest" &&
          each.path.startsWith("addons/") &&
          /flannel|weave/.test(each.path),
      )) {
        const objects = (
          file.content.split(/^---$/m).map((doc) => load(doc)) as Record<string, unknown>[]
        ).filter(Boolean);
        const text = JSON.stringify(objects);
        if (file.path === OVERLAY_MANIFEST_PATHS.flannel) {
          const config = objects.find((object) => object.kind === "ConfigMap") as {
            data: Record<string, string>;
          };
          const cni = JSON.parse(config.data["cni-conf.json"] ?? "{}") as {
            plugins: { delegate?: { mtu: number; bridge: string } }[];
          };
          expect(cni.plugins[0]?.delegate).toMatchObject({ mtu, bridge: network.bridge.name });
          seen.push("flannel");
        } else {
          expect(text).toContain(`{"name":"WEAVE_MTU","value":"${mtu}"}`);
          seen.push("weave");
        }
      }
    }
    expect(new Set(seen)).toEqual(new Set(["bridge", "docker", "cni", "flannel", "weave"]));
  });
});

describe("CNI configuration (current releases)", () => {
  it("kubescratch's bridge config for routed and Open vSwitch nodes: cniVersion 1.0.0, the node's range, its bridge address as gateway", () => {
    let count = 0;
    for (const { cluster, node, files } of eachNode()) {
      const network = cluster.plan.network;
      const wants =
        cluster.plan.profile.era === "current" &&
        (network.mode === "routed" || network.overlay === "openvswitch");
      const config = fileOf(files, CNI_BRIDGE_PATH);
      expect({
        cluster: cluster.name,
        node,
        bridge: !!config,
        loopback: !!fileOf(files, CNI_LOOPBACK_PATH),
      }).toEqual({
        cluster: cluster.name,
        node,
        bridge: wants,
        loopback: wants,
      });
      if (!config) continue;
      count++;
      const plan = cluster.plan.nodes.find((each) => each.name === node);
      expect(JSON.parse(config.content)).toMatchObject({
        cniVersion: CNI_VERSION,
        type: "bridge",
        bridge: network.bridge.name,
        isGateway: true,
        ipMasq: false,
        ipam: {
          type: "host-local",
          // One range set per family: a dual-stack pod gets an address of each.
          ranges: [
            [{ subnet: plan?.podCIDR, gateway: plan?.bridgeIP }],
            ...(plan?.secondary === undefined
              ? []
              : [[{ subnet: plan.secondary.podCIDR, gateway: plan.secondary.bridgeIP }]]),
          ],
        },
      });
    }
    expect(count).toBeGreaterThan(10);
    expect(CNI_VERSION).toBe("1.0.0");
  });
});

describe("overlays (S3b)", () => {
  it("flannel and weave manifests validate strictly against the upstream schemas; flannel's network is the pod range over VXLAN", () => {
    const manifests = all.flatMap((cluster) =>
      cluster.admin
        .filter((file) => Object.values(OVERLAY_MANIFEST_PATHS).includes(file.path as never))
        .map((file) => ({ cluster, file })),
    );
    expect(manifests.map(({ cluster, file }) => `${cluster.name} ${file.path}`).sort()).toEqual([
      "current-flannel addons/flannel.yaml",
      "current-flannel-dualstack.yaml addons/flannel.yaml",
      "current-flannel-ipv6 addons/flannel.yaml",
      "current-flannel.yaml addons/flannel.yaml",
      "current-weave addons/weave-net.yaml",
    ]);
    for (const { cluster, file } of manifests) {
      const objects = file.content
        .split(/^---$/m)
        .map((doc) => load(doc) as Record<string, unknown> | undefined)
        .filter((object): object is Record<string, unknown> => !!object);
      const problems = objects.flatMap((object) =>
        validateKubernetesObject(object).map((problem) => `${String(object.kind)}: ${problem}`),
      );
      expect(problems).toEqual([]);
      if (file.path === OVERLAY_MANIFEST_PATHS.flannel) {
        const config = objects.find((object) => object.kind === "ConfigMap") as {
          data: Record<string, string>;
        };
        // flannel's keys per family (pkg/subnet/config.go): IPv4 is on unless EnableIPv4 is false.
        const expected: Record<string, Record<string, unknown>> = {
          "current-flannel-dualstack.yaml": {
            Network: "10.244.0.0/16",
            SubnetLen: 24,
            EnableIPv6: true,
            IPv6Network: "fd00:10:244::/56",
            IPv6SubnetLen: 64,
            Backend: { Type: "vxlan" },
          },
          "current-flannel-ipv6": {
            EnableIPv4: false,
            EnableIPv6: true,
            IPv6Network: "2001:db8:19::/56",
            IPv6SubnetLen: 64,
            Backend: { Type: "vxlan" },
          },
        };
        expect(JSON.parse(config.data["net-conf.json"] ?? "")).toEqual(
          expected[cluster.name] ?? {
            Network: cluster.plan.network.podCIDR,
            SubnetLen: cluster.plan.network.nodePodCIDRPrefix,
            Backend: { Type: "vxlan" },
          },
        );
      }
    }
  });

  it("a dual-stack node's Node object gives flannel its tunnel address of each family; single-stack ones none", () => {
    const annotations = (name: string) =>
      mustFile(byName(name).admin, "nodes.yaml")
        .content.split(/^---$/m)
        .map((doc) => load(doc) as { metadata: { name: string; annotations?: Record<string, string> } })
        .map((node) => [node.metadata.name, node.metadata.annotations]);
    expect(annotations("current-flannel-dualstack.yaml")).toEqual([
      [
        "master",
        {
          "flannel.alpha.coreos.com/node-public-ip": "192.168.60.10",
          "flannel.alpha.coreos.com/node-public-ipv6": "fd00:60::10",
        },
      ],
      [
        "node-1",
        {
          "flannel.alpha.coreos.com/node-public-ip": "192.168.60.11",
          "flannel.alpha.coreos.com/node-public-ipv6": "fd00:60::11",
        },
      ],
      [
        "node-2",
        {
          "flannel.alpha.coreos.com/node-public-ip": "192.168.60.12",
          "flannel.alpha.coreos.com/node-public-ipv6": "fd00:60::12",
        },
      ],
    ]);
    for (const name of ["current-flannel.yaml", "current-flannel-ipv6", "current-dualstack.yaml"])
      expect(annotations(name).every(([, value]) => value === undefined)).toBe(true);
  });

  it("the validation catches a misspelt field in the flannel DaemonSet", () => {
    const file = mustFile(byName("current-flannel.yaml").admin, OVERLAY_MANIFEST_PATHS.flannel);
    const daemonSet = file.content
      .split(/^---$/m)
      .map((doc) => load(doc) as { kind?: string; spec: { template: { spec: Record<string, unknown> } } })
      .find((object) => object?.kind === "DaemonSet");
    if (!daemonSet) throw new Error("no DaemonSet");
    daemonSet.spec.template.spec.hostNetwrok = true;
    expect(validateKubernetesObject(daemonSet).join("\n")).toMatch(/hostNetwrok/);
  });

  it("seed-era flannel: flanneld on every node with the node's address and the etcd members; reservations for every node's range", () => {
    const cluster = byName("seed-flannel");
    const endpoints = cluster.plan.etcd.members.map((member) => member.clientURL).join(",");
    for (const node of cluster.plan.nodes) {
      const unit = mustFile(cluster.nodes.get(node.name), FLANNEL_UNIT_PATH).content;
      expect(unit).toContain(`-iface=${node.ip}`);
      expect(unit).toContain(`-etcd-endpoints=${endpoints}`);
      expect(unit).toContain("-ip-masq=false");
    }
    const script = mustFile(cluster.admin, FLANNEL_ETCD_SCRIPT_PATH).content;
    const reservations = [...script.matchAll(/set \/coreos\.com\/network\/subnets\/(\S+) '(.*)'$/gm)].map(
      (m) => ({
        range: (m[1] ?? "").replace("-", "/"),
        ip: (JSON.parse(m[2] ?? "{}") as { PublicIP: string }).PublicIP,
      }),
    );
    expect(reservations).toEqual(cluster.plan.nodes.map((node) => ({ range: node.podCIDR, ip: node.ip })));
    const config = /set \/coreos\.com\/network\/config '(.*)'$/m.exec(script)?.[1] ?? "";
    expect(JSON.parse(config)).toEqual({
      Network: cluster.plan.network.podCIDR,
      SubnetLen: 24,
      Backend: { Type: "vxlan" },
    });
    // No static routes: flannel routes; cbr0 still exists for docker --bridge=cbr0.
    const setup = mustFile(cluster.nodes.get("node-1"), NETWORK_SETUP_PATH).content;
    expect(setup).not.toMatch(/route replace/);
    expect(setup).toMatch(/ip link add name cbr0 type bridge/);
  });

  it("Open vSwitch: each node tunnels to every other node (never itself) over distinct short ports; pods of all nodes share one segment", () => {
    for (const name of ["seed-openvswitch", "current-openvswitch"]) {
      const cluster = byName(name);
      const ports = cluster.plan.nodes.map(tunnelPort);
      expect(new Set(ports).size).toBe(ports.length);
      for (const port of ports) expect(port.length).toBeLessThanOrEqual(15);
      for (const node of cluster.plan.nodes) {
        const script = mustFile(cluster.nodes.get(node.name), NETWORK_SETUP_PATH).content;
        const remotes = [...script.matchAll(/options:remote_ip=(\S+)/g)].map((m) => m[1]);
        expect(remotes).toEqual(
          cluster.plan.nodes.filter((other) => other.name !== node.name).map((other) => other.ip),
        );
        expect(script).toContain(`ip -4 route replace ${cluster.plan.network.podCIDR} dev cbr0 proto 75`);
      }
    }
  });

  it("weave is refused for the seed's releases with an explanation instead of a manifest that cannot run", () => {
    const cluster = byName("seed-weave");
    expect(cluster.admin.map((file) => file.path)).toContain("network/weave.txt");
    expect(cluster.admin.map((file) => file.path)).not.toContain(OVERLAY_MANIFEST_PATHS.weave);
  });
});

describe("units", () => {
  it("kubescratch-network.service (and flanneld.service) pass systemd-analyze verify; docker requires the network unit", () => {
    for (const cluster of all) {
      const [node, files] = [...cluster.nodes][0] ?? [];
      const units = (files ?? [])
        .filter(
          (file) =>
            file.kind === "systemd-unit" &&
            (file.path === NETWORK_UNIT_PATH || file.path === FLANNEL_UNIT_PATH),
        )
        .map((file) => ({ name: file.path.split("/").pop() ?? "", content: file.content }));
      const result = verifyUnits(units);
      expect({ cluster: cluster.name, node, output: result.output }).toEqual({
        cluster: cluster.name,
        node,
        output: "",
      });
      const network = mustFile(files, NETWORK_UNIT_PATH).content;
      expect(network).toMatch(/^Type=oneshot$/m);
      expect(network).toMatch(/^RemainAfterExit=yes$/m);
      expect(network).toMatch(
        new RegExp(
          `^Before=${cluster.spec.runtime.type === "docker" ? "docker" : cluster.spec.runtime.type === "rkt" ? "rkt-metadata" : "containerd"}\\.service kubelet\\.service kube-proxy\\.service$`,
          "m",
        ),
      );
      if (cluster.spec.runtime.type === "docker" && cluster.plan.network.bridge.management === "manual")
        expect(network).toMatch(/^RequiredBy=docker\.service$/m);
    }
  });
});

describe("node hygiene (S22) read back by its tools", () => {
  it("monit accepts every generated control file (monit -t) and watches the runtime, kubelet, kube-proxy and, on masters, the apiserver", () => {
    let checked = 0;
    for (const { cluster, node, files } of eachNode()) {
      const monit = fileOf(files, MONIT_PATH);
      expect({ cluster: cluster.name, node, monit: !!monit }).toEqual({
        cluster: cluster.name,
        node,
        monit: cluster.spec.hygiene.monit,
      });
      if (!monit) continue;
      const directory = join(scratch, "monit", cluster.name, node);
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(directory, "kubescratch"), monit.content);
      const control = join(directory, "monitrc");
      writeFileSync(
        control,
        [
          "set daemon 30",
          `set idfile ${join(directory, "id")}`,
          `set statefile ${join(directory, "state")}`,
          `include ${join(directory, "kubescratch")}`,
          "",
        ].join("\n"),
      );
      chmodSync(control, 0o600);
      const result = run("monit", ["-t", "-c", control]);
      expect({
        cluster: cluster.name,
        node,
        status: result.status,
        output: result.stdout + result.stderr,
      }).toMatchObject({
        status: 0,
        output: expect.stringMatching(/Control file syntax OK/),
      });
      const runtime = { docker: "docker", rkt: "rkt-metadata", containerd: "containerd" }[
        cluster.spec.runtime.type
      ];
      const checks = [...monit.content.matchAll(/^check (?:process|host) (\S+)/gm)].map((m) => m[1]);
      const master = cluster.plan.controlPlane.nodes.includes(node);
      expect(checks).toEqual([runtime, "kubelet", "kube-proxy", ...(master ? ["kube-apiserver"] : [])]);
      checked++;
    }
    expect(checked).toBeGreaterThan(6);
  });

  it("monit rejects a control file with a misspelt statement (the check has teeth)", () => {
    const directory = join(scratch, "monit-bad");
    mkdirSync(directory, { recursive: true });
    const control = join(directory, "monitrc");
    writeFileSync(
      control,
      `set daemon 30\nset idfile ${join(directory, "id")}\ncheck proces kubelet matching "kubelet"\n`,
    );
    chmodSync(control, 0o600);
    expect(run("monit", ["-t", "-c", control]).status).not.toBe(0);
  });

  it("logrotate parses every generated configuration (logrotate -d) and rotates docker's container logs with docker", () => {
    let checked = 0;
    for (const { cluster, node, files } of eachNode()) {
      const config = fileOf(files, LOGROTATE_PATH);
      expect(!!config).toBe(cluster.spec.hygiene.logrotate);
      if (!config) continue;
      const path = join(scratch, `logrotate-${cluster.name}-${node}`);
      writeFileSync(path, config.content);
      const result = run("logrotate", ["-d", "-s", `${path}.state`, path]);
      expect({
        cluster: cluster.name,
        node,
        status: result.status,
        errors: result.stderr.split("\n").filter((line) => /error/i.test(line)),
      }).toEqual({
        cluster: cluster.name,
        node,
        status: 0,
        errors: [],
      });
      expect(config.content.includes("/containers/*/*-json.log")).toBe(
        cluster.spec.runtime.type === "docker",
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("apt reads the upgrade settings: daily unattended upgrades, the runtime held back, no automatic reboot", () => {
    const files = byName("current-ha.yaml").nodes.get("worker-1");
    const dump = (path: string): string => {
      const file = join(scratch, path.split("/").pop() ?? "apt");
      writeFileSync(file, mustFile(files, path).content);
      const result = run("apt-config", ["-c", file, "dump"]);
      expect(result.status).toBe(0);
      return result.stdout;
    };
    expect(dump(AUTO_UPGRADES_PATH)).toMatch(/APT::Periodic::Unattended-Upgrade "1";/);
    const held = dump(UNATTENDED_UPGRADES_PATH);
    expect(held).toContain('Unattended-Upgrade::Package-Blacklist:: "^containerd$";');
    expect(held).toContain('Unattended-Upgrade::Package-Blacklist:: "^containerd\\.io$";');
    expect(held).toContain('Unattended-Upgrade::Automatic-Reboot "false";');
    expect(
      fileOf(byName("seed-docker-firewall-nomasq").nodes.get("node-1"), AUTO_UPGRADES_PATH),
    ).toBeUndefined();
  });

  it("the install step installs the hygiene tools and the storage clients", () => {
    const script = mustFile(
      byName("current-monit-storage").nodes.get("node-2"),
      HYGIENE_PACKAGES_PATH,
    ).content;
    expect(script).toContain("packages=(unattended-upgrades logrotate monit nfs-common glusterfs-client)");
    expect(script).toContain("systemctl restart monit");
    const gce = mustFile(
      byName("seed-rkt-kubelet-bridge").nodes.get("node-1"),
      HYGIENE_PACKAGES_PATH,
    ).content;
    expect(gce).toContain("packages=(unattended-upgrades monit glusterfs-client)");
  });
});

describe("every network and hygiene file explains itself", () => {
  it("has a one-sentence why and seed requirement IDs", async () => {
    const cluster = await renderVariant("seed-docker-https");
    const base = netnsRoutedInput();
    expect(base.name).toBe("netns");
    for (const files of [...cluster.nodes.values(), cluster.admin]) {
      for (const file of files.filter((each) => MINE.test(each.path) || each.path.startsWith("network/"))) {
        expect({ path: file.path, why: /^[A-Z].*\.$/.test(file.why) && !file.why.includes("\n") }).toEqual({
          path: file.path,
          why: true,
        });
        expect(file.requirements.length).toBeGreaterThan(0);
        for (const id of file.requirements) expect(id).toMatch(/^S\d+$/);
      }
    }
  });
});
