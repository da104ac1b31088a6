// install.sh, unchanged, on a real node: a systemd-nspawn container running Debian 12 with systemd as
// PID 1, Debian's containerd and CNI plugins, the release's kubelet and kube-proxy, the node's address
// on its interface, and no way to reach a package source (its only route leads into a LAN where
// nothing answers). Needs root (CI runs as root).
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_KUBERNETES_VERSION } from "@kubescratch/core";
import { buildAssets, ensureBaseRoot, Lan, SandboxNode, type AssetFolders } from "@kubescratch/rehearse";

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, "..", "..", "..");
const CLI = join(ROOT, "packages", "cli", "dist", "main.js");
const MINUTE = 60_000;

const SPEC = `apiVersion: kubescratch.dev/v1alpha1
kind: Cluster
name: airgap
kubernetesVersion: "${DEFAULT_KUBERNETES_VERSION}"
network:
  mode: routed
  podCIDR: 198.19.0.0/16
  serviceCIDR: 198.18.128.0/20
hygiene:
  monit: true
  storageClients: [nfs-common, glusterfs-client]
nodes:
  - name: cp
    ip: 198.18.7.10
    roles: [control-plane, etcd]
  - name: w1
    ip: 198.18.7.11
    roles: [worker]
`;
const UNITS = ["kubescratch-network.service", "containerd.service", "kubelet.service", "kube-proxy.service"];
/** A kube-proxy that passes the preflight's version check and exits when started. */
const brokenKubeProxy = (version: string) => `#!/bin/sh
if [ "$1" = --version ]; then echo "Kubernetes v${version}"; exit 0; fi
echo "kube-proxy: planted failure" >&2
exit 1
`;

describe("install.sh on a real node (Debian 12, systemd, containerd; no package source reachable)", () => {
  let assets: AssetFolders;
  let folder: string;
  let lan: Lan;
  let node: SandboxNode;
  let namespace = "";

  const install = async (...args: string[]) => {
    const started = Date.now();
    const result = await node.exec(["/root/bundle/install.sh", ...args], {
      allowFailure: true,
      timeoutMs: 10 * MINUTE,
    });
    return { ...result, seconds: (Date.now() - started) / 1000, output: result.stdout + result.stderr };
  };
  const unitState = async (unit: string) => {
    const enabled = await node.exec(["systemctl", "is-enabled", unit], { allowFailure: true });
    const active = await node.exec(["systemctl", "is-active", unit], { allowFailure: true });
    return `${unit}: ${enabled.stdout.trim()}, ${active.stdout.trim()}`;
  };

  beforeAll(async () => {
    assets = await buildAssets(DEFAULT_KUBERNETES_VERSION);
    const baseRoot = await ensureBaseRoot(() => undefined);
    folder = mkdtempSync(join(tmpdir(), "kubescratch-install-"));
    writeFileSync(join(folder, "cluster.yaml"), SPEC);
    await execFileAsync(process.execPath, [
      CLI,
      "generate",
      join(folder, "cluster.yaml"),
      "-o",
      join(folder, "out"),
    ]);
    lan = await Lan.create();
    namespace = await lan.addHost("w1", ["198.18.7.11/24"]);
    node = new SandboxNode({
      name: "w1",
      namespace,
      baseRoot,
      folder: join(folder, "node"),
      machine: `${namespace}-node`,
      // Nothing holds this address: name lookups go unanswered, as on a LAN without its resolver.
      resolver: "198.18.7.1",
    });
    await node.boot(() => undefined);
    for (const binary of ["kubelet", "kube-proxy"])
      copyFileSync(join(assets.binaries, binary), join(node.root, "usr/local/bin", binary));
    mkdirSync(join(node.root, "root/bundle"), { recursive: true });
    await execFileAsync("tar", [
      "-xzf",
      join(folder, "out/nodes/w1.tar.gz"),
      "-C",
      join(node.root, "root/bundle"),
    ]);
  }, 90 * MINUTE);

  afterAll(async () => {
    await node?.destroy();
    if (namespace) await lan.removeNamespace(namespace);
    await lan?.destroy();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }, 5 * MINUTE);

  it(
    "--dry-run finds, before any change, the CNI plugins in Debian's folder and the hygiene package no source can deliver",
    async () => {
      const dryRun = await install("--dry-run");
      expect(dryRun.code).toBe(1);
      expect(dryRun.stderr).toContain(
        "FAIL the CNI plugins bridge host-local loopback are not in /opt/cni/bin, where this bundle's runtime looks, but in /usr/lib/cni",
      );
      expect(dryRun.stderr).toContain(
        "fix: set runtime.cniBinDir: /usr/lib/cni in the cluster spec and regenerate, or install the CNI plugins into /opt/cni/bin",
      );
      expect(dryRun.stdout).toMatch(
        /NOTE hygiene packages not installed: glusterfs-client, and no package source answers \(.+ did not answer within 3 seconds\)/,
      );
      // nfs-common and monit are on the node already: only what is missing is named.
      expect(dryRun.stdout).not.toMatch(/not installed: .*nfs-common/);
      const real = await install();
      expect(real.code).toBe(1);
      expect(real.stderr).toContain("nothing was installed");
      expect((await node.exec(["ls", "/etc/kubernetes"], { allowFailure: true })).code).not.toBe(0);
    },
    10 * MINUTE,
  );

  it(
    "air-gapped, it finishes within a minute: every unit enabled and active, the hygiene report names what was not installed",
    async () => {
      // The operator's step the preflight asked for: the CNI plugins where the runtime looks.
      await node.exec(["sh", "-c", "mkdir -p /opt/cni/bin && cp -a /usr/lib/cni/. /opt/cni/bin/"]);
      const result = await install();
      expect(result.output).toContain("hygiene: not installed: glusterfs-client");
      expect(result.output).toContain("install them later: sudo apt-get install glusterfs-client");
      expect(result.code).toBe(0);
      expect(result.seconds).toBeLessThan(60);
      expect(await Promise.all(UNITS.map(unitState))).toEqual(
        UNITS.map((unit) => `${unit}: enabled, active`),
      );
      // monit was on the node: the hygiene script started it with the bundle's checks.
      expect(await unitState("monit.service")).toBe("monit.service: enabled, active");
    },
    10 * MINUTE,
  );

  it(
    "a unit that cannot start fails the run, named with its log; after the fix a second run finishes the job",
    async () => {
      const binary = join(node.root, "usr/local/bin/kube-proxy");
      copyFileSync(binary, join(folder, "kube-proxy"));
      // As after a reboot with a broken binary: the unit is not running when install.sh comes.
      await node.exec(["systemctl", "stop", "kube-proxy.service"]);
      writeFileSync(binary, brokenKubeProxy(assets.version));
      chmodSync(binary, 0o755);
      const failed = await install();
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/kube-proxy\.service does not stay running/);
      expect(failed.stderr).toContain("kube-proxy: planted failure");
      expect(failed.stderr).toContain("stopped at: kube-proxy.service");
      expect(failed.stderr).toContain("run install.sh again");

      copyFileSync(join(folder, "kube-proxy"), binary);
      const resumed = await install();
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain("an earlier install.sh stopped before it finished");
      expect(resumed.stdout).toMatch(/^restart +kube-proxy\.service$/m);
      expect(await Promise.all(UNITS.map(unitState))).toEqual(
        UNITS.map((unit) => `${unit}: enabled, active`),
      );
      // Finished: the next run changes and restarts nothing.
      const again = await install();
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^start +kube-proxy\.service$/m);
    },
    10 * MINUTE,
  );
});
