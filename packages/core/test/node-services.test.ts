// The node daemons (S16-S19, S24): kubelet, kube-proxy and the container runtime, read back the way
// systemd, containerd and a shell would read them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { load } from "js-yaml";
import {
  parseSpec,
  planCluster,
  RELEASE_LINES,
  SpecError,
  type ClusterPlan,
  type ClusterSpec,
  type ClusterSpecInput,
  type Pki,
} from "../src/index.js";
import type { Artifact } from "../src/artifact.js";
import type { NodeContext } from "../src/components/context.js";
import { kubeProxyArtifacts } from "../src/components/kube-proxy.js";
import { execStart as execStartLine, kubeletArtifacts } from "../src/components/kubelet.js";
import { systemdWord } from "../src/render/quote.js";
import { runtimeArtifacts } from "../src/components/runtime.js";
import { FLAG_WINDOWS, flagInWindow, type FlagComponent } from "../src/versions/flags.js";
import { fixtureFiles } from "./helpers.js";
import { fixtureSpec, issueFor } from "./pki-helpers.js";
import { checkContainerdConfig } from "./tools/containerd-config.js";
import { validateKubeletConfiguration, validateKubeProxyConfiguration } from "./tools/kubernetes-validate.js";
import { verifyUnits } from "./tools/systemd-verify.js";

interface Generated {
  readonly spec: ClusterSpec;
  readonly plan: ClusterPlan;
  readonly pki: Pki;
  /** Node name to the artifacts of kubelet, kube-proxy and the runtime. */
  readonly nodes: Map<string, Artifact[]>;
}

function nodeServices(context: NodeContext): Artifact[] {
  return [...runtimeArtifacts(context), ...kubeletArtifacts(context), ...kubeProxyArtifacts(context)];
}

async function generate(spec: ClusterSpec, plan: ClusterPlan = planCluster(spec)): Promise<Generated> {
  const pki = await issueFor(spec, plan);
  const nodes = new Map<string, Artifact[]>();
  for (const node of plan.nodes) {
    nodes.set(node.name, nodeServices({ spec, plan, pki, profile: plan.profile, node }));
  }
  return { spec, plan, pki, nodes };
}

async function generateFixture(name: string): Promise<Generated> {
  const { spec, plan } = fixtureSpec(name);
  return generate(spec, plan);
}

function file(artifacts: readonly Artifact[] | undefined, path: string): Artifact {
  const found = artifacts?.find((entry) => entry.path === path);
  if (!found) throw new Error(`no ${path} among ${(artifacts ?? []).map((entry) => entry.path).join(", ")}`);
  return found;
}

function nodeFiles(generated: Generated, node: string): Artifact[] {
  const files = generated.nodes.get(node);
  if (!files) throw new Error(`no node ${node}`);
  return files;
}

/** Unit lines as systemd reads them: comments dropped, backslash continuations joined. */
function logicalLines(content: string): string[] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of content.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line.startsWith(";")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = "";
  }
  return lines;
}

/** Values of `key=` in a unit, in order. */
function unitValues(content: string, key: string): string[] {
  return logicalLines(content)
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

/** systemd's split of a command line: double quotes, backslash escapes, %% and $$. */
function commandWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const character = line[index] ?? "";
    if (quoted) {
      if (character === "\\") word = (word ?? "") + (line[++index] ?? "");
      else if (character === '"') quoted = false;
      else word = (word ?? "") + character;
    } else if (character === '"') {
      quoted = true;
      word ??= "";
    } else if (/\s/.test(character)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + character;
    }
  }
  if (word !== undefined) words.push(word);
  return words.map((each) => each.replace(/%%/g, "%").replace(/\$\$/g, "$"));
}

/** The one ExecStart= of a unit, split into words. */
function execStart(unit: Artifact): string[] {
  const lines = unitValues(unit.content, "ExecStart");
  expect(lines).toHaveLength(1);
  return commandWords(lines[0] ?? "");
}

function sortedFlags(unit: Artifact): string[] {
  return execStart(unit)
    .filter((word) => word.startsWith("--"))
    .sort();
}

const KUBELET = "/etc/systemd/system/kubelet.service";
const KUBE_PROXY = "/etc/systemd/system/kube-proxy.service";

describe("the seed's kubelet (S18)", () => {
  it("seed-https.yaml: every node's kubelet carries exactly S18's HTTPS flags, with its serving certificate (S12)", async () => {
    const generated = await generateFixture("seed-https.yaml");
    for (const node of generated.plan.nodes) {
      const unit = file(nodeFiles(generated, node.name), KUBELET);
      expect(execStart(unit)[0]).toBe("/usr/local/bin/kubelet");
      expect(sortedFlags(unit)).toEqual(
        [
          // MASTER_IP with the seed's port 443, which the URL leaves out
          "--api-servers=https://172.16.0.10",
          "--kubeconfig=/var/lib/kubelet/kubeconfig",
          "--config=/etc/kubernetes/manifests",
          "--cluster-dns=10.0.0.10",
          "--cluster-domain=cluster.local",
          "--docker-root=/var/lib/docker",
          "--root-dir=/var/lib/kubelet",
          // cbr0 is made by the node's network script (bridge.management: manual)
          "--configure-cbr0=false",
          "--register-node=true",
          "--tls-cert-file=/srv/kubernetes/kubelet.crt",
          "--tls-private-key-file=/srv/kubernetes/kubelet.key",
          // not in S18: without it the Node is named after the machine's hostname, not the spec's
          `--hostname-override=${node.name}`,
        ].sort(),
      );
    }
  });

  it("seed-https.yaml: the kubelet's serving certificate files are the ones the PKI issued for that node", async () => {
    const generated = await generateFixture("seed-https.yaml");
    for (const node of generated.plan.nodes) {
      const serving = generated.pki.certificates.find((entry) => entry.id === `kubelet-serving/${node.name}`);
      const flags = sortedFlags(file(nodeFiles(generated, node.name), KUBELET));
      expect(flags).toContain(`--tls-cert-file=${serving?.files?.certificate ?? "?"}`);
      expect(flags).toContain(`--tls-private-key-file=${serving?.files?.key ?? "?"}`);
    }
  });

  it("seed-firewall.yaml: every node's kubelet carries exactly S18's firewall-only flags", async () => {
    const generated = await generateFixture("seed-firewall.yaml");
    for (const node of generated.plan.nodes) {
      expect(sortedFlags(file(nodeFiles(generated, node.name), KUBELET))).toEqual(
        [
          // the apiserver's insecure port, bound to MASTER_IP behind the firewall
          "--api-servers=http://172.16.0.10:8080",
          "--config=/etc/kubernetes/manifests",
          "--cluster-dns=10.0.0.10",
          "--cluster-domain=cluster.local",
          "--docker-root=/var/lib/docker",
          "--root-dir=/var/lib/kubelet",
          "--configure-cbr0=false",
          "--register-node=true",
          `--hostname-override=${node.name}`,
        ].sort(),
      );
    }
  });

  it("the HTTPS URL names the port when it is not 443, and DNS flags follow the DNS addon", async () => {
    const input = load(fixtureFiles("specs").find((entry) => entry.name === "seed-https.yaml")?.text ?? "");
    const changed = input as ClusterSpecInput;
    changed.controlPlane = { apiserverPort: 6443 };
    changed.addons = { dns: { enabled: false } };
    changed.kubelet = { registerNode: false, rootDir: "/data/kubelet" };
    const generated = await generate(parseSpec(changed).spec);
    const flags = sortedFlags(file(nodeFiles(generated, "node-2"), KUBELET));
    expect(flags).toContain("--api-servers=https://172.16.0.10:6443");
    expect(flags).toContain("--register-node=false");
    expect(flags).toContain("--root-dir=/data/kubelet");
    expect(flags.filter((flag) => flag.startsWith("--cluster-d"))).toEqual([]);
  });

  it("seed-rkt-gce.yaml: rkt (S17) with its metadata service, gce with its cloud-config (S1), kubelet-made cbr0 (S20)", async () => {
    const generated = await generateFixture("seed-rkt-gce.yaml");
    for (const node of generated.plan.nodes) {
      const files = nodeFiles(generated, node.name);
      const kubelet = file(files, KUBELET);
      const flags = sortedFlags(kubelet);
      expect(flags).toContain("--container-runtime=rkt");
      expect(flags).toContain("--configure-cbr0=true");
      expect(flags).toContain("--cloud-provider=gce");
      expect(flags).toContain("--cloud-config=/etc/kubernetes/cloud-config");
      expect(flags.some((flag) => flag.startsWith("--docker-root"))).toBe(false);
      expect(unitValues(kubelet.content, "Requires")).toEqual(["rkt-metadata.service"]);
      expect(unitValues(kubelet.content, "After").join(" ").split(" ")).toContain("rkt-metadata.service");
      const metadata = file(files, "/etc/systemd/system/rkt-metadata.service");
      expect(execStart(metadata)).toEqual(["/usr/bin/rkt", "metadata-service"]);
      expect(files.some((entry) => entry.path.includes("docker"))).toBe(false);
    }
  });

  it("rkt on 1.2: the kubelet requires rkt's api-service and runs pods in the rkt.kubernetes.io network", async () => {
    const input = load(fixtureFiles("specs").find((entry) => entry.name === "seed-rkt-gce.yaml")?.text ?? "");
    const changed = input as ClusterSpecInput;
    changed.kubernetesVersion = "1.2";
    const generated = await generate(parseSpec(changed).spec);
    for (const node of generated.plan.nodes) {
      const files = nodeFiles(generated, node.name);
      const kubelet = file(files, KUBELET);
      // pkg/kubelet/rkt of v1.2.7 dials defaultRktAPIServiceAddr and passes --net=rkt.kubernetes.io
      expect(unitValues(kubelet.content, "Requires")).toEqual(["rkt-api.service"]);
      expect(execStart(file(files, "/etc/systemd/system/rkt-api.service"))).toEqual([
        "/usr/bin/rkt",
        "api-service",
        "--listen=localhost:15441",
      ]);
      expect(files.some((entry) => entry.path.endsWith("rkt-metadata.service"))).toBe(false);
      const network = JSON.parse(file(files, "/etc/rkt/net.d/k8s.conf").content) as {
        name: string;
        bridge: string;
        ipam: { subnet: string };
      };
      expect(network.name).toBe("rkt.kubernetes.io");
      expect(network.bridge).toBe(generated.plan.network.bridge.name);
      expect(network.ipam.subnet).toBe(node.podCIDR);
    }
  });
});

describe("the seed's kube-proxy (S19)", () => {
  it("seed-https.yaml: --master is the HTTPS apiserver URL, with the kube-proxy kubeconfig and the node's name", async () => {
    const generated = await generateFixture("seed-https.yaml");
    const unit = file(nodeFiles(generated, "node-1"), KUBE_PROXY);
    expect(execStart(unit)[0]).toBe("/usr/local/bin/kube-proxy");
    // No --cluster-cidr: the kube-proxies of 1.1 and 1.2 do not know it.
    expect(sortedFlags(unit)).toEqual(
      [
        "--master=https://172.16.0.10:443",
        "--kubeconfig=/var/lib/kube-proxy/kubeconfig",
        "--hostname-override=node-1",
      ].sort(),
    );
    expect(unit.content).toContain("its real flag is --master");
  });

  it("seed-firewall.yaml: --master is the insecure port, without a kubeconfig", async () => {
    const generated = await generateFixture("seed-firewall.yaml");
    expect(sortedFlags(file(nodeFiles(generated, "master"), KUBE_PROXY))).toEqual(
      ["--master=http://172.16.0.10:8080", "--hostname-override=master"].sort(),
    );
  });
});

/** What a shell that sources the file sees: DOCKER_OPTS split into words, and DOCKER_NOFILE. */
function sourceDockerDefaults(content: string): { options: string[]; nofile: string } {
  const directory = mkdtempSync(join(tmpdir(), "kubescratch-docker-"));
  try {
    const path = join(directory, "docker");
    writeFileSync(path, content);
    const result = spawnSync(
      "bash",
      [
        "-c",
        'set -eu; . "$1"; printf "%s\\n" $DOCKER_OPTS; printf "NOFILE=%s\\n" "$DOCKER_NOFILE"',
        "-",
        path,
      ],
      { encoding: "utf8" },
    );
    expect(result.stderr).toBe("");
    const lines = result.stdout.trim().split("\n");
    return {
      options: lines.filter((line) => !line.startsWith("NOFILE=")),
      nofile: (lines.find((line) => line.startsWith("NOFILE=")) ?? "").slice("NOFILE=".length),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe("docker (S16)", () => {
  it("seed-https.yaml: /etc/default/docker holds the seed's options and DOCKER_NOFILE, as a shell reads them", async () => {
    const generated = await generateFixture("seed-https.yaml");
    const files = nodeFiles(generated, "node-3");
    const defaults = file(files, "/etc/default/docker");
    expect(sourceDockerDefaults(defaults.content)).toEqual({
      options: [
        "--bridge=cbr0",
        "--iptables=false",
        "--ip-masq=false",
        // the seed's 1460 is not docker's default 1500, so container interfaces need it too
        "--mtu=1460",
        "--insecure-registry=10.10.0.0/16",
      ],
      nofile: "1000000",
    });
    const unit = file(files, "/etc/systemd/system/docker.service");
    expect(unitValues(unit.content, "EnvironmentFile")).toEqual(["-/etc/default/docker"]);
    expect(execStart(unit)).toEqual(["/usr/bin/docker", "daemon", "$DOCKER_OPTS"]);
    // systemd cannot expand $DOCKER_NOFILE in a limit: the number itself.
    expect(unitValues(unit.content, "LimitNOFILE")).toEqual(["1000000"]);
    expect(unitValues(file(files, KUBELET).content, "Requires")).toEqual(["docker.service"]);
  });

  it("an overlay gets --mtu, a routed network with docker's own MTU does not; --graph only off /var/lib/docker", async () => {
    const base = load(fixtureFiles("specs").find((entry) => entry.name === "seed-firewall.yaml")?.text ?? "");
    const routed = JSON.parse(JSON.stringify(base)) as ClusterSpecInput;
    routed.network = { ...routed.network, mtu: 1500 };
    const options = async (input: ClusterSpecInput): Promise<string[]> =>
      sourceDockerDefaults(
        file(nodeFiles(await generate(parseSpec(input).spec), "master"), "/etc/default/docker").content,
      ).options;
    expect(await options(routed)).toEqual(["--bridge=cbr0", "--iptables=false", "--ip-masq=false"]);

    const overlay = JSON.parse(JSON.stringify(base)) as ClusterSpecInput;
    overlay.network = { ...overlay.network, mode: "overlay", overlay: "flannel", mtu: 1450 };
    overlay.runtime = { type: "docker", rootDir: "/data/docker", nofile: 65536 };
    const generated = await generate(parseSpec(overlay).spec);
    const files = nodeFiles(generated, "node-1");
    expect(sourceDockerDefaults(file(files, "/etc/default/docker").content)).toEqual({
      // network.mtu is the nodes' network; pods get it less flannel's 50 bytes of VXLAN (network-mtu.ts).
      options: ["--bridge=cbr0", "--iptables=false", "--ip-masq=false", "--mtu=1400", "--graph=/data/docker"],
      nofile: "65536",
    });
    expect(unitValues(file(files, "/etc/systemd/system/docker.service").content, "LimitNOFILE")).toEqual([
      "65536",
    ]);
    expect(sortedFlags(file(files, KUBELET))).toContain("--docker-root=/data/docker");
  });
});

describe("current releases: kubelet and kube-proxy configuration files", () => {
  it("current-ha.yaml: a short kubelet command line and a KubeletConfiguration with the seed's settings", async () => {
    const generated = await generateFixture("current-ha.yaml");
    const files = nodeFiles(generated, "worker-3");
    const kubelet = file(files, KUBELET);
    expect(execStart(kubelet)[0]).toBe("/usr/local/bin/kubelet");
    expect(sortedFlags(kubelet)).toEqual(
      [
        "--config=/var/lib/kubelet/config.yaml",
        "--kubeconfig=/var/lib/kubelet/kubeconfig",
        "--root-dir=/var/lib/kubelet",
        "--hostname-override=worker-3",
        "--node-ip=192.168.50.23",
      ].sort(),
    );
    expect(unitValues(kubelet.content, "Requires")).toEqual(["containerd.service"]);
    const config = load(file(files, "/var/lib/kubelet/config.yaml").content);
    expect(validateKubeletConfiguration(config)).toEqual([]);
    expect(config).toEqual({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" },
      },
      authorization: { mode: "Webhook" },
      cgroupDriver: "systemd",
      containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
      staticPodPath: "/etc/kubernetes/manifests",
      clusterDNS: ["10.32.0.10"],
      clusterDomain: "cluster.local",
      registerNode: true,
      tlsCertFile: "/var/lib/kubelet/pki/kubelet.crt",
      tlsPrivateKeyFile: "/var/lib/kubelet/pki/kubelet.key",
      // pinned in the spec
      podCIDR: "10.200.42.0/24",
      maxPods: 110,
      // install.sh links it to the node's upstream resolv.conf (systemd-resolved's where it runs)
      resolvConf: "/etc/kubernetes/resolv.conf",
      // the kubelet renews its client certificate through the API
      rotateCertificates: true,
    });
    const serving = generated.pki.certificates.find((entry) => entry.id === "kubelet-serving/worker-3");
    expect(serving?.files).toEqual({
      certificate: "/var/lib/kubelet/pki/kubelet.crt",
      key: "/var/lib/kubelet/pki/kubelet.key",
    });
  });

  it("current-ha.yaml: kube-proxy reads a KubeProxyConfiguration", async () => {
    const generated = await generateFixture("current-ha.yaml");
    const files = nodeFiles(generated, "cp-2");
    expect(sortedFlags(file(files, KUBE_PROXY))).toEqual(["--config=/var/lib/kube-proxy/config.yaml"]);
    const config = load(file(files, "/var/lib/kube-proxy/config.yaml").content);
    expect(validateKubeProxyConfiguration(config)).toEqual([]);
    expect(config).toEqual({
      apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
      kind: "KubeProxyConfiguration",
      clientConnection: { kubeconfig: "/var/lib/kube-proxy/kubeconfig" },
      mode: "iptables",
      clusterCIDR: "10.200.0.0/16",
      hostnameOverride: "cp-2",
    });
  });

  it("an external cloud provider adds --cloud-provider=external; no DNS addon leaves clusterDNS out", async () => {
    const input = load(fixtureFiles("specs").find((entry) => entry.name === "minimal.yaml")?.text ?? "");
    const changed = input as ClusterSpecInput;
    changed.cloudProvider = { name: "external" };
    changed.addons = { dns: { enabled: false } };
    const generated = await generate(parseSpec(changed).spec);
    const files = nodeFiles(generated, "worker-1");
    expect(sortedFlags(file(files, KUBELET))).toContain("--cloud-provider=external");
    const config = load(file(files, "/var/lib/kubelet/config.yaml").content) as Record<string, unknown>;
    expect(validateKubeletConfiguration(config)).toEqual([]);
    expect(config.clusterDNS).toBeUndefined();
  });

  it("kubelet.resolvConf names the kubelet's resolv.conf itself; the seed's kubelets refuse the field", async () => {
    const input = load(fixtureFiles("specs").find((entry) => entry.name === "minimal.yaml")?.text ?? "");
    const changed = input as ClusterSpecInput;
    changed.kubelet = { resolvConf: "/run/systemd/resolve/resolv.conf" };
    const generated = await generate(parseSpec(changed).spec);
    const config = load(
      file(nodeFiles(generated, "worker-1"), "/var/lib/kubelet/config.yaml").content,
    ) as Record<string, unknown>;
    expect(config.resolvConf).toBe("/run/systemd/resolve/resolv.conf");
    changed.kubernetesVersion = "1.2";
    expect(() => parseSpec(changed)).toThrow(/kubelet\.resolvConf cannot be used with Kubernetes 1\.2/);
  });
});

describe("containerd (current releases)", () => {
  const current = fixtureFiles("specs")
    .map((entry) => entry.name)
    .filter((name) => planCluster(fixtureSpec(name).spec).profile.era === "current");

  it.each(current)("%s: config.toml is read by containerd with no key dropped or changed", async (name) => {
    const generated = await generateFixture(name);
    for (const node of generated.plan.nodes) {
      const config = file(nodeFiles(generated, node.name), "/etc/containerd/config.toml");
      const check = checkContainerdConfig(config.content);
      expect(check.error).toBeUndefined();
      expect(check.status).toBe(0);
      expect(check.warnings).toEqual([]);
      expect(check.droppedKeys).toEqual([]);
      expect(check.changedValues).toEqual([]);
      expect(check.dump).toContain(
        `sandbox_image = "registry.k8s.io/${generated.plan.profile.images.pause}"`,
      );
      expect(check.dump).toContain("SystemdCgroup = true");
      expect(check.dump).toContain('config_path = "/etc/containerd/certs.d"');
    }
  });

  it("current-ha.yaml: an insecure host:port registry gets a hosts.toml; the unit carries the open-file limit", async () => {
    const generated = await generateFixture("current-ha.yaml");
    const files = nodeFiles(generated, "worker-1");
    const hosts = file(files, "/etc/containerd/certs.d/registry.local:5000/hosts.toml");
    expect(hosts.content).toContain('server = "http://registry.local:5000"');
    expect(hosts.content).toContain("skip_verify = true");
    const unit = file(files, "/etc/systemd/system/containerd.service");
    expect(unitValues(unit.content, "LimitNOFILE")).toEqual(["1000000"]);
    expect(unitValues(unit.content, "Delegate")).toEqual(["yes"]);
    expect(unitValues(unit.content, "KillMode")).toEqual(["process"]);
    expect(unitValues(unit.content, "ExecStartPre")).toEqual(["-/sbin/modprobe overlay"]);
    expect(execStart(unit)).toEqual(["/usr/bin/containerd"]);
  });

  it("a CIDR among the insecure registries has no containerd equivalent and gets no hosts.toml; images.pause wins", async () => {
    const input = load(fixtureFiles("specs").find((entry) => entry.name === "minimal.yaml")?.text ?? "");
    const changed = input as ClusterSpecInput;
    changed.runtime = {
      insecureRegistries: ["10.10.0.0/16", "mirror.example.com"],
      rootDir: "/data/containerd",
    };
    changed.images = { pause: "mirror.example.com/pause:3.10" };
    const generated = await generate(parseSpec(changed).spec);
    const files = nodeFiles(generated, "master");
    expect(files.filter((entry) => entry.path.endsWith("hosts.toml")).map((entry) => entry.path)).toEqual([
      "/etc/containerd/certs.d/mirror.example.com/hosts.toml",
    ]);
    const check = checkContainerdConfig(file(files, "/etc/containerd/config.toml").content);
    expect(check.droppedKeys).toEqual([]);
    expect(check.dump).toContain('sandbox_image = "mirror.example.com/pause:3.10"');
    expect(check.dump).toContain('root = "/data/containerd"');
  });
});

describe("systemd-analyze verify", () => {
  it.each(fixtureFiles("specs").map((entry) => entry.name))(
    "%s: every unit of every node verifies with no output",
    async (name) => {
      const generated = await generateFixture(name);
      for (const [node, files] of generated.nodes) {
        const units = files
          .filter((entry) => entry.kind === "systemd-unit")
          .map((entry) => ({ name: entry.path.replace("/etc/systemd/system/", ""), content: entry.content }));
        expect(units.length).toBeGreaterThanOrEqual(3);
        const result = verifyUnits(units);
        expect({ node, output: result.output, status: result.status }).toEqual({
          node,
          output: "",
          status: 0,
        });
        // Every dependency is a real unit: generated here or shipped with systemd.
        expect(result.stubbedUnits).toEqual([]);
      }
    },
  );

  it("a root directory with a space, a percent sign or quotes is refused at its field, and ExecStart's quoting would carry it", () => {
    expect(systemdWord("--root-dir=/var/lib/kubelet")).toBe("--root-dir=/var/lib/kubelet");
    for (const rootDir of ["/data/kube let", "/data/100%kubelet", '/data/"quoted"$HOME']) {
      const input = load(fixtureFiles("specs").find((entry) => entry.name === "minimal.yaml")?.text ?? "");
      const changed = input as ClusterSpecInput;
      changed.kubelet = { rootDir };
      // DOCKER_OPTS and other files read by sh and by systemd cannot quote a path for both.
      expect(() => parseSpec(changed)).toThrow(/\/kubelet\/rootDir: .* is not in the expected form/);
      // The unit writer itself stays exact for any word: systemd reads the line back as one argument.
      if (!rootDir.includes("%")) {
        // (the harness cannot stub a binary on a line with a specifier in it)
        const unit = [
          "[Unit]",
          "Description=quoting",
          "[Service]",
          `ExecStart=${execStartLine("/usr/local/bin/kubelet", [`--root-dir=${rootDir}`, "--v=2"])}`,
          "[Install]",
          "WantedBy=multi-user.target",
          "",
        ].join("\n");
        expect(verifyUnits([{ name: "kubelet.service", content: unit }]).output).toBe("");
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const windowsOf = (component: FlagComponent, flag: string) =>
  FLAG_WINDOWS.filter((window) => window.component === component && window.flag === flag);

/** Every flag of every generated command line, checked against FLAG_WINDOWS for the plan's version. */
function flagsOutsideWindows(generated: Generated): string[] {
  const minor = generated.plan.profile.minorNumber;
  const wrong: string[] = [];
  const check = (component: FlagComponent, words: readonly string[]): void => {
    for (const word of words.filter((entry) => entry.startsWith("--"))) {
      const flag = word.split("=")[0] ?? word;
      if (!windowsOf(component, flag).some((window) => flagInWindow(window, minor)))
        wrong.push(`${component} ${flag} in 1.${minor}`);
    }
  };
  for (const files of generated.nodes.values()) {
    check("kubelet", execStart(file(files, KUBELET)));
    check("kube-proxy", execStart(file(files, KUBE_PROXY)));
    const defaults = files.find((entry) => entry.path === "/etc/default/docker");
    if (defaults) check("docker", sourceDockerDefaults(defaults.content).options);
  }
  return wrong;
}

/** The fixture's YAML at another version: defaults are recomputed, and validation may refuse. */
function retarget(text: string, version: string): ClusterSpec | undefined {
  const input = load(text) as ClusterSpecInput;
  input.kubernetesVersion = version;
  try {
    return parseSpec(input).spec;
  } catch (caught) {
    if (caught instanceof SpecError) return undefined;
    throw caught;
  }
}

describe("properties", () => {
  it("every fixture at every release of its era: generation never throws and every flag is in its window", async () => {
    const generatedVersions = new Set<string>();
    for (const fixture of fixtureFiles("specs")) {
      const era = planCluster(fixtureSpec(fixture.name).spec).profile.era;
      let accepted = 0;
      for (const line of RELEASE_LINES.filter((entry) => entry.era === era)) {
        const spec = retarget(fixture.text, line.minor);
        if (!spec) continue;
        accepted++;
        const generated = await generate(spec);
        generatedVersions.add(line.minor);
        expect(flagsOutsideWindows(generated)).toEqual([]);
      }
      expect(accepted).toBeGreaterThan(0);
    }
    expect([...generatedVersions].sort()).toEqual(RELEASE_LINES.map((line) => line.minor).sort());
  });

  it("random variations of the node settings, at any release: every accepted spec generates, inside the windows, with S18's core flags", async () => {
    const base = load(fixtureFiles("specs").find((entry) => entry.name === "seed-https.yaml")?.text ?? "");
    // Choices are drawn within what each era can honour, so that most specs pass validation.
    const variation = fc.record({
      version: fc.constantFrom(...RELEASE_LINES.map((line) => line.minor)),
      pick: fc.nat(),
      firewall: fc.boolean(),
      kubeletBridge: fc.boolean(),
      network: fc.constantFrom<"routed" | "overlay">("routed", "overlay"),
      mtu: fc.constantFrom(1400, 1460, 1500),
      dns: fc.boolean(),
      registerNode: fc.boolean(),
      port: fc.constantFrom<number | undefined>(undefined, 443, 6443),
      registries: fc.subarray(["10.10.0.0/16", "registry.local:5000", "mirror.example.com"]),
      nofile: fc.integer({ min: 1024, max: 4_000_000 }),
    });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(variation, async (choice) => {
        const legacy = RELEASE_LINES.find((line) => line.minor === choice.version)?.era === "legacy";
        const pick = <T>(options: readonly T[]): T => options[choice.pick % options.length] as T;
        const provider = pick<"none" | "gce" | "aws" | "external">(
          legacy ? ["none", "gce", "aws"] : ["none", "external"],
        );
        const input = JSON.parse(JSON.stringify(base)) as ClusterSpecInput;
        input.kubernetesVersion = choice.version;
        input.security = { mode: legacy && choice.firewall ? "firewall-only" : "https" };
        input.network = {
          ...input.network,
          mode: choice.network,
          mtu: choice.mtu,
          bridge: { management: legacy && choice.kubeletBridge ? "kubelet" : "manual" },
        };
        input.runtime = {
          type: legacy ? pick(["docker", "rkt"] as const) : "containerd",
          insecureRegistries: choice.registries,
          nofile: choice.nofile,
        };
        input.addons = { dns: { enabled: choice.dns } };
        input.kubelet = { registerNode: choice.registerNode };
        input.controlPlane = choice.port === undefined ? {} : { apiserverPort: choice.port };
        input.cloudProvider =
          provider === "gce"
            ? { name: "gce", config: { Global: { "project-id": "p" } } }
            : { name: provider };
        let spec: ClusterSpec;
        try {
          spec = parseSpec(input).spec;
        } catch (caught) {
          if (caught instanceof SpecError) return;
          throw caught;
        }
        accepted++;
        const generated = await generate(spec);
        expect(flagsOutsideWindows(generated)).toEqual([]);
        for (const files of generated.nodes.values()) {
          const flags = execStart(file(files, KUBELET));
          const names = flags.filter((word) => word.startsWith("--")).map((word) => word.split("=")[0]);
          if (generated.plan.profile.era === "legacy") {
            for (const required of [
              "--api-servers",
              "--config",
              "--root-dir",
              "--configure-cbr0",
              "--register-node",
            ])
              expect(names).toContain(required);
            expect(names.includes("--kubeconfig")).toBe(spec.security.mode === "https");
            expect(names.includes("--cluster-dns")).toBe(choice.dns);
            expect(names.includes("--container-runtime")).toBe(spec.runtime.type === "rkt");
          } else {
            expect(names).toEqual(expect.arrayContaining(["--config", "--kubeconfig", "--node-ip"]));
            const config = load(file(files, "/var/lib/kubelet/config.yaml").content);
            expect(validateKubeletConfiguration(config)).toEqual([]);
          }
          const runtimeUnit = unitValues(file(files, KUBELET).content, "Requires")[0] ?? "";
          expect(files.some((entry) => entry.path === `/etc/systemd/system/${runtimeUnit}`)).toBe(true);
        }
      }),
      { numRuns: 100, seed: 20260301 },
    );
    expect(accepted).toBeGreaterThan(60);
  });
});
