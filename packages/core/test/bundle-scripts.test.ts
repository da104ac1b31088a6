// The bundle's shell scripts, run for real: shellcheck on every script of every fixture's every node,
// install.sh installing into temp directories (created, unchanged, changed with backups, dry run,
// tampered bundle, usage errors, preflight), validate.sh and validate-cluster.sh on this machine
// (which runs no cluster, so they must report failures), and the nginx example against the
// upstream schemas. Install paths in the tests that run without --root point into temp directories,
// so nothing can ever land in the real /.
import { execFile, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadAll } from "js-yaml";
import {
  adminReadme,
  backupPath,
  installScript,
  nginxExample,
  shellQuote,
  validateClusterScript,
  validateScript,
  type InstallScriptInput,
  type ValidateScriptInput,
} from "../src/bundle/scripts.js";
import type { ClusterPlan, ClusterSpec, NodePlan } from "../src/index.js";
import { runtimeUnit } from "../src/components/runtime.js";
import { fixtureFiles } from "./helpers.js";
import { fixtureSpec } from "./pki-helpers.js";
import { validateKubernetesObject } from "./tools/kubernetes-validate.js";

// ---------------------------------------------------------------------------------------------
// helpers

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-s", "bash", "-S", "style", "-"], {
    input: script,
    encoding: "utf8",
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function bash(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync("bash", args, { encoding: "utf8", timeout: 60_000, ...options });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    output: result.stdout + result.stderr,
  };
}

/** bash without blocking the event loop (for tests that serve HTTP from this process). */
function bashAsync(args: readonly string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile("bash", args, { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error && typeof error.code === "number" ? error.code : error ? -1 : 0;
      resolve({ status: code, output: stdout + stderr });
    });
  });
}

const temporaryDirectories: string[] = [];
function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "kubescratch-scripts-"));
  temporaryDirectories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
});

interface TestFile {
  readonly path: string;
  readonly mode: number;
  readonly secret: boolean;
  readonly content: string;
}

/**
 * A node bundle laid out as the packer lays it out: every file at its install path made relative,
 * install.sh (0755) and SHA256SUMS written by sha256sum itself.
 */
function makeBundle(files: readonly TestFile[], extra: Partial<InstallScriptInput> = {}): string {
  const bundle = join(temporaryDirectory(), "bundle");
  mkdirSync(bundle);
  for (const file of files) {
    const target = join(bundle, file.path.slice(1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
  const script = installScript({
    nodeName: "node-1",
    nodeIp: "127.0.0.1",
    kubernetesVersion: "1.34.8",
    files: files.map(({ path, mode, secret }) => ({ path, mode, secret })),
    networkScripts: [],
    units: [],
    binaries: [],
    ...extra,
  });
  writeFileSync(join(bundle, "install.sh"), script, { mode: 0o755 });
  const relative = [...files.map((file) => file.path.slice(1)), "install.sh"].sort();
  const sums = spawnSync("sha256sum", ["--", ...relative], { cwd: bundle, encoding: "utf8" });
  expect(sums.status).toBe(0);
  writeFileSync(join(bundle, "SHA256SUMS"), sums.stdout);
  expect(spawnSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: bundle }).status).toBe(0);
  return bundle;
}

/** Every file and folder under a root: relative path, mode (from stat), type and content. */
function snapshot(root: string): string[] {
  const listing = spawnSync("find", [root, "-mindepth", "1", "-printf", "%P\t%m\t%y\n"], {
    encoding: "utf8",
  });
  return listing.stdout
    .split("\n")
    .filter((line) => line !== "")
    .sort()
    .map((line) => {
      const [path = "", , type] = line.split("\t");
      return type === "f" ? `${line}\t${readFileSync(join(root, path), "utf8")}` : line;
    });
}

function modeOf(path: string): string {
  return spawnSync("stat", ["-c", "%a", path], { encoding: "utf8" }).stdout.trim();
}

const FILES: readonly TestFile[] = [
  {
    path: "/etc/systemd/system/kubelet.service",
    mode: 0o644,
    secret: false,
    content: "[Service]\nExecStart=/usr/local/bin/kubelet\n",
  },
  {
    path: "/etc/kubernetes/pki/apiserver.key",
    mode: 0o600,
    secret: true,
    content: "NEW-SECRET-KEY-MATERIAL\n",
  },
  {
    path: "/etc/kubernetes/network/routes.sh",
    mode: 0o755,
    secret: false,
    content: "#!/bin/sh\necho routes\n",
  },
  {
    path: "/etc/kubernetes/manifests/kube-apiserver.yaml",
    mode: 0o644,
    secret: false,
    content: "kind: Pod\n",
  },
  {
    path: "/etc/containerd/certs.d/registry.local:5000/hosts.toml",
    mode: 0o644,
    secret: false,
    content: "server = 'x'\n",
  },
  { path: "/etc/it's a test/with space.conf", mode: 0o640, secret: false, content: "odd = 'name'\n" },
];
const [UNIT, SECRET, SCRIPT, MANIFEST] = FILES as [TestFile, TestFile, TestFile, TestFile, ...TestFile[]];

function lineFor(status: string, path: string): RegExp {
  return new RegExp(`^${status} +${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( |$)`, "m");
}

// ---------------------------------------------------------------------------------------------
// inputs for every fixture's every node, built from the plan

const RUNTIME_BINARIES: Readonly<
  Record<ClusterSpec["runtime"]["type"], { path: string; args: string[]; expect: string }>
> = {
  docker: { path: "/usr/bin/docker", args: ["--version"], expect: "Docker version" },
  containerd: { path: "/usr/bin/containerd", args: ["--version"], expect: "containerd" },
  rkt: { path: "/usr/bin/rkt", args: ["version"], expect: "rkt Version" },
};

function installInput(spec: ClusterSpec, plan: ClusterPlan, node: NodePlan): InstallScriptInput {
  const version = plan.profile.version;
  const runtime = spec.runtime.type;
  const controlPlane = node.roles.includes("control-plane");
  const runtimeUnit = runtime === "rkt" ? "rkt-metadata.service" : `${runtime}.service`;
  return {
    nodeName: node.name,
    nodeIp: node.ip,
    kubernetesVersion: version,
    files: [
      { path: `/etc/systemd/system/${runtimeUnit}`, mode: 0o644, secret: false },
      { path: "/etc/systemd/system/kubelet.service", mode: 0o644, secret: false },
      { path: "/etc/systemd/system/kube-proxy.service", mode: 0o644, secret: false },
      { path: "/var/lib/kubelet/kubeconfig", mode: 0o600, secret: true },
      { path: "/etc/kubernetes/network/bridge.sh", mode: 0o755, secret: false },
      ...(controlPlane
        ? [
            {
              path: `/etc/kubernetes/manifests/kube-apiserver.${plan.profile.manifestFormat}`,
              mode: 0o644,
              secret: false,
            },
            { path: "/srv/kubernetes/server.key", mode: 0o600, secret: true },
          ]
        : []),
    ],
    networkScripts: ["/etc/kubernetes/network/bridge.sh"],
    units: [runtimeUnit, "kubelet.service", "kube-proxy.service"],
    binaries: [
      {
        path: "/usr/local/bin/kubelet",
        versionArgs: ["--version"],
        expect: `v${version}`,
        fix: `install kubelet v${version} from kubernetes-server-linux-amd64.tar.gz (S9)`,
      },
      {
        path: RUNTIME_BINARIES[runtime].path,
        versionArgs: RUNTIME_BINARIES[runtime].args,
        expect: RUNTIME_BINARIES[runtime].expect,
        fix: `install ${runtime}`,
      },
    ],
    ...(runtime === "rkt" ? { systemdMinimum: 215 } : {}),
  };
}

function validateInput(spec: ClusterSpec, plan: ClusterPlan, node: NodePlan): ValidateScriptInput {
  const insecurePort = plan.profile.apiserverInsecurePort;
  return {
    nodeName: node.name,
    roles: node.roles,
    runtime: spec.runtime.type,
    runtimeUnit: runtimeUnit({ spec, profile: plan.profile }),
    apiserverLocalUrl:
      insecurePort !== undefined
        ? `http://127.0.0.1:${insecurePort}`
        : `https://127.0.0.1:${plan.controlPlane.apiserverPort}`,
    ...(plan.profile.era === "current" && plan.security.mode === "https"
      ? { kubeconfig: "/var/lib/kubelet/kubeconfig", caFile: "/etc/kubernetes/pki/ca.crt" }
      : {}),
  };
}

const fixtures = fixtureFiles("specs").map((file) => ({ name: file.name, ...fixtureSpec(file.name) }));

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing ${what}`);
  return value;
}

function fixture(name: string) {
  return must(
    fixtures.find((entry) => entry.name === name),
    name,
  );
}

// ---------------------------------------------------------------------------------------------

describe("shellcheck", () => {
  it("catches a planted error, so the checks below can fail", () => {
    const { spec, plan } = fixture("minimal.yaml");
    const script = installScript(installInput(spec, plan, must(plan.nodes[0], "a node")));
    expect(shellcheck(script).status).toBe(0);
    const planted = script.replace("main\n", 'cp $1 "$2"\nmain\n');
    const result = shellcheck(planted);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("SC2086");
  });

  for (const { name, spec, plan } of fixtures) {
    it(`passes on every script of ${name} (every node, install.sh and validate.sh; the admin's)`, () => {
      const scripts: [string, string][] = plan.nodes.flatMap((node): [string, string][] => [
        [`${node.name}/install.sh`, installScript(installInput(spec, plan, node))],
        [`${node.name}/validate.sh`, validateScript(validateInput(spec, plan, node))],
      ]);
      scripts.push([
        "admin/validate-cluster.sh",
        validateClusterScript({
          clusterName: plan.clusterName,
          nodeNames: plan.nodes.map((node) => node.name),
          dnsServiceIp: plan.network.dnsServiceIP,
          clusterDomain: plan.network.clusterDomain,
          kubeconfigFile: "kubeconfigs/admin.kubeconfig",
        }),
      ]);
      const findings = scripts.flatMap(([name, script]) => {
        const result = shellcheck(script);
        return result.status === 0 ? [] : [`${name}:\n${result.output}`];
      });
      expect(findings).toEqual([]);
      for (const [, script] of scripts) expect(bash(["-n", "-c", script]).status).toBe(0);
    });
  }
});

describe("install.sh installs into a root directory", () => {
  it("creates every file with its exact mode, then leaves a second run's tree identical", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    const first = bash([join(bundle, "install.sh"), "--root", root]);
    expect(first.status).toBe(0);
    for (const file of FILES) {
      expect(first.stdout).toMatch(lineFor("created", file.path));
      const target = join(root, file.path.slice(1));
      expect(readFileSync(target, "utf8")).toBe(file.content);
      expect(modeOf(target)).toBe(file.mode.toString(8));
    }
    expect(modeOf(join(root, "etc/kubernetes/pki"))).toBe("755");
    expect(first.stdout).toContain(`${FILES.length} created, 0 changed, 0 fixed, 0 unchanged`);
    // A secret's content is never printed.
    expect(first.output).not.toContain("SECRET-KEY-MATERIAL");

    const before = snapshot(root);
    const second = bash([join(bundle, "install.sh"), "--root", root]);
    expect(second.status).toBe(0);
    for (const file of FILES) expect(second.stdout).toMatch(lineFor("unchanged", file.path));
    expect(second.stdout).toContain(`0 created, 0 changed, 0 fixed, ${FILES.length} unchanged`);
    expect(snapshot(root)).toEqual(before);
    // No temporary file is left behind.
    expect(before.filter((line) => line.includes(".kubescratch-"))).toEqual([]);
  });

  it("replaces a different file and keeps the old one; a second change gets .1, so nothing is lost", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    const target = join(root, UNIT.path.slice(1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, "the operator's own unit\n", { mode: 0o600 });

    const first = bash([join(bundle, "install.sh"), "--root", root]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(lineFor("changed", UNIT.path));
    expect(first.stdout).toContain(`(backup: ${UNIT.path}.kubescratch-backup)`);
    expect(readFileSync(target, "utf8")).toBe(UNIT.content);
    expect(modeOf(target)).toBe("644");
    expect(readFileSync(`${target}.kubescratch-backup`, "utf8")).toBe("the operator's own unit\n");
    expect(modeOf(`${target}.kubescratch-backup`)).toBe("600"); // the backup keeps the old file's mode

    writeFileSync(target, "a second local edit\n");
    const second = bash([join(bundle, "install.sh"), "--root", root]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`(backup: ${UNIT.path}.kubescratch-backup.1)`);
    expect(readFileSync(`${target}.kubescratch-backup`, "utf8")).toBe("the operator's own unit\n");
    expect(readFileSync(`${target}.kubescratch-backup.1`, "utf8")).toBe("a second local edit\n");
    expect(readFileSync(target, "utf8")).toBe(UNIT.content);
    for (const file of FILES.filter((entry) => entry !== UNIT)) {
      expect(second.stdout).toMatch(lineFor("unchanged", file.path));
    }
  });

  it("keeps a replaced static-pod manifest as a hidden file, which the kubelet does not start", () => {
    expect(backupPath(MANIFEST.path)).toBe(
      "/etc/kubernetes/manifests/.kube-apiserver.yaml.kubescratch-backup",
    );
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    const target = join(root, MANIFEST.path.slice(1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, "kind: Pod # old\n");
    const result = bash([join(bundle, "install.sh"), "--root", root]);
    expect(result.status).toBe(0);
    expect(readdirSync(dirname(target)).sort()).toEqual([
      ".kube-apiserver.yaml.kubescratch-backup",
      "kube-apiserver.yaml",
    ]);
    expect(readFileSync(join(dirname(target), ".kube-apiserver.yaml.kubescratch-backup"), "utf8")).toBe(
      "kind: Pod # old\n",
    );
  });

  it("fixes the mode of a file whose content is already right", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    const target = join(root, SECRET.path.slice(1));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, SECRET.content, { mode: 0o644 });
    const result = bash([join(bundle, "install.sh"), "--root", root]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(lineFor("fixed", SECRET.path));
    expect(result.stdout).toContain("mode 0644 -> 0600");
    expect(modeOf(target)).toBe("600");
    const again = bash([join(bundle, "install.sh"), "--root", root]);
    expect(again.stdout).toMatch(lineFor("unchanged", SECRET.path));
  });

  it("--dry-run changes nothing, shows a diff for a plain file and none for a secret", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    const unit = join(root, UNIT.path.slice(1));
    const secret = join(root, SECRET.path.slice(1));
    mkdirSync(dirname(unit), { recursive: true });
    mkdirSync(dirname(secret), { recursive: true });
    writeFileSync(unit, "[Service]\nExecStart=/opt/old/kubelet\n");
    writeFileSync(secret, "OLD-SECRET-KEY-MATERIAL\n", { mode: 0o600 });
    const script = join(root, SCRIPT.path.slice(1));
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, SCRIPT.content, { mode: 0o755 });
    const before = snapshot(root);

    const result = bash([join(bundle, "install.sh"), "--dry-run", "--root", root]);
    expect(result.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(result.stdout).toMatch(lineFor("would change", UNIT.path));
    expect(result.stdout).toContain(`--- ${UNIT.path} (installed)`);
    expect(result.stdout).toContain("-ExecStart=/opt/old/kubelet");
    expect(result.stdout).toContain("+ExecStart=/usr/local/bin/kubelet");
    expect(result.stdout).toMatch(lineFor("would change", SECRET.path));
    expect(result.stdout).toContain(`${SECRET.path} (secret; diff not shown)`);
    expect(result.output).not.toContain("SECRET-KEY-MATERIAL");
    expect(result.stdout).toMatch(lineFor("unchanged", SCRIPT.path));
    expect(result.stdout).toMatch(lineFor("would create", MANIFEST.path));
    expect(result.stdout).toContain("nothing was changed");
  });

  it("refuses a tampered bundle before touching anything, naming the file", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    writeFileSync(join(bundle, UNIT.path.slice(1)), "[Service]\nExecStart=/tmp/evil\n");
    const result = bash([join(bundle, "install.sh"), "--root", root]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${UNIT.path.slice(1)}: FAILED`);
    expect(result.stderr).toContain("nothing was installed");
    expect(snapshot(root)).toEqual([]);
  });

  it("refuses a bundle whose SHA256SUMS does not cover a file it would install", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    const sums = readFileSync(join(bundle, "SHA256SUMS"), "utf8")
      .split("\n")
      .filter((line) => !line.endsWith(SCRIPT.path.slice(1)))
      .join("\n");
    writeFileSync(join(bundle, "SHA256SUMS"), sums);
    const result = bash([join(bundle, "install.sh"), "--root", root]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${SCRIPT.path.slice(1)} is not listed in SHA256SUMS`);
    expect(snapshot(root)).toEqual([]);
  });

  it("exits 2 with the usage on a usage error, having done nothing", () => {
    const bundle = makeBundle(FILES);
    const root = temporaryDirectory();
    for (const args of [
      ["--bogus"],
      ["--root"],
      ["--root", "/"],
      ["--root", join(root, "missing")],
      ["extra"],
    ]) {
      const result = bash([join(bundle, "install.sh"), ...args]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("Usage: install.sh [--dry-run] [--root DIR]");
    }
    expect(snapshot(root)).toEqual([]);
    const help = bash([join(bundle, "install.sh"), "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--dry-run");
  });
});

describe("install.sh preflight (no --root; every install path lies in a temp directory)", () => {
  function preflightBundle(nodeIp: string) {
    const area = temporaryDirectory();
    const files = [{ path: join(area, "etc/kubelet.conf"), mode: 0o644, secret: false, content: "x\n" }];
    const bundle = makeBundle(files, {
      nodeIp,
      binaries: [
        {
          path: join(area, "missing/kubelet"),
          versionArgs: ["--version"],
          expect: "v1.34.8",
          fix: "install kubelet v1.34.8 (S9)",
        },
        { path: "/bin/bash", versionArgs: ["--version"], expect: "GNU bash", fix: "unused" },
        { path: "/bin/bash", versionArgs: ["--version"], expect: "v1.34.8", fix: "install the right binary" },
      ],
    });
    return { area, bundle, target: must(files[0], "a file").path };
  }

  it("--dry-run lists every problem with its fix, exits 1 and changes nothing", () => {
    const { area, bundle, target } = preflightBundle("127.0.0.1");
    const result = bash([join(bundle, "install.sh"), "--dry-run"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `FAIL ${area}/missing/kubelet is missing\n       fix: install kubelet v1.34.8 (S9)`,
    );
    expect(result.stderr).toMatch(
      /FAIL \/bin\/bash reports 'GNU bash[^\n]*', not v1\.34\.8\n {7}fix: install the right binary/,
    );
    expect(result.stderr).not.toContain("unused"); // the binary that reports the right version passes
    expect(result.stderr).not.toContain("no interface"); // 127.0.0.1 is on lo
    expect(result.stdout).toMatch(lineFor("would create", target));
    expect(() => statSync(target)).toThrow();
  });

  it("names a node address that no interface has", () => {
    const { bundle } = preflightBundle("198.18.255.254");
    const result = bash([join(bundle, "install.sh"), "--dry-run"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no interface of this machine has node-1's address 198.18.255.254");
  });

  it("names a runtime older than the bundle's configuration needs, reading the version as each build prints it", () => {
    const area = temporaryDirectory();
    const runtime = (name: string, says: string) => {
      const path = join(area, name);
      writeFileSync(path, `#!/bin/sh\necho '${says}'\n`, { mode: 0o755 });
      return {
        path,
        versionArgs: ["--version"],
        expect: "containerd",
        fix: "install containerd 1.5 or later",
        minimum: "1.5",
      };
    };
    const bundle = makeBundle([], {
      binaries: [
        runtime(
          "old",
          "containerd github.com/containerd/containerd 1.4.13 7ad184331fa3e55e52b890ea95e65ba581ae3429",
        ),
        runtime("debian", "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1"),
        runtime(
          "two",
          "containerd github.com/containerd/containerd/v2 v2.1.0 06b99ca80cdbfbc6cc8bd567021738c9af2b36ce",
        ),
        runtime("mute", "containerd"),
      ],
    });
    const result = bash([join(bundle, "install.sh"), "--dry-run"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `FAIL ${area}/old is version 1.4.13; this bundle's configuration needs 1.5 or later\n       fix: install containerd 1.5 or later`,
    );
    expect(result.stderr).toContain(`FAIL ${area}/mute does not say its version ('containerd')`);
    expect(result.stderr).not.toContain(`${area}/debian`);
    expect(result.stderr).not.toContain(`${area}/two`);
  });

  it("refuses a kubelet resolv.conf that names only loopback servers (a resolved stub), and passes a real one", () => {
    const area = temporaryDirectory();
    const stub = join(area, "stub-resolv.conf");
    writeFileSync(stub, "# systemd-resolved's stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\n");
    const upstream = join(area, "upstream-resolv.conf");
    writeFileSync(upstream, "nameserver 127.0.0.1\nnameserver 192.0.2.53\n");
    const refused = bash([
      join(makeBundle([], { resolvConf: { path: stub, link: false } }), "install.sh"),
      "--dry-run",
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `FAIL ${stub} names only loopback name servers (127.0.0.53 ): CoreDNS would forward queries to itself and exit (Loop detected)\n       fix: set kubelet.resolvConf in the cluster spec to a file that lists the real upstream servers`,
    );
    const passed = bash([
      join(makeBundle([], { resolvConf: { path: upstream, link: false } }), "install.sh"),
      "--dry-run",
    ]);
    expect(passed.stderr).not.toContain("name server");
    const missing = bash([
      join(makeBundle([], { resolvConf: { path: join(area, "none"), link: false } }), "install.sh"),
      "--dry-run",
    ]);
    expect(missing.stderr).toContain(`FAIL ${join(area, "none")} does not exist`);
  });

  it("links the kubelet's resolv.conf, creates the folders services watch, and names a command a service runs", () => {
    const root = temporaryDirectory();
    const bundle = makeBundle([], {
      resolvConf: { path: "/etc/kubernetes/resolv.conf", link: true },
      directories: ["/etc/kubernetes/manifests"],
    });
    const installed = bash([join(bundle, "install.sh"), "--root", root]);
    expect(installed.status).toBe(0);
    // Under --root the link names the target root's own /etc/resolv.conf.
    expect(readlinkSync(join(root, "etc/kubernetes/resolv.conf"))).toBe("/etc/resolv.conf");
    expect(statSync(join(root, "etc/kubernetes/manifests")).isDirectory()).toBe(true);
    expect(installed.stdout).toMatch(lineFor("linked", "/etc/kubernetes/resolv.conf -> /etc/resolv.conf"));
    expect(installed.stdout).toMatch(lineFor("created", "/etc/kubernetes/manifests/"));
    const again = bash([join(bundle, "install.sh"), "--root", root]);
    expect(again.stdout).toMatch(lineFor("unchanged", "/etc/kubernetes/resolv.conf -> /etc/resolv.conf"));
    const brctl = bash([
      join(
        makeBundle([], {
          commands: [{ name: "kubescratch-no-such-command", usedBy: "the kubelet", fix: "install it" }],
        }),
        "install.sh",
      ),
      "--dry-run",
    ]);
    expect(brctl.stderr).toContain(
      "FAIL the kubescratch-no-such-command command is missing; the kubelet runs it\n       fix: install it",
    );
  });

  it("refuses a virtual-IP interface that is missing or does not carry the node's address (in a network namespace of its own)", () => {
    const run = (vipInterface: string, nodeIp: string) => {
      const bundle = makeBundle([], { vipInterface, nodeIp });
      // A namespace with lo (127.0.0.1) and an empty veth pair: the host's own interfaces stay out.
      const result = spawnSync(
        "unshare",
        [
          "-n",
          "sh",
          "-c",
          'ip link set lo up && ip link add ks-vip0 type veth peer name ks-vip1 && exec bash "$0" --dry-run',
          join(bundle, "install.sh"),
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const missing = run("ks-missing0", "127.0.0.1");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(
      "FAIL there is no network interface ks-missing0 (controlPlane.endpoint.interface) on this node: keepalived could not hold the endpoint's virtual IP\n       fix: set controlPlane.endpoint.interface to the interface that carries 127.0.0.1 ('ip -o addr show to 127.0.0.1' names it) and regenerate",
    );
    const elsewhere = run("ks-vip0", "127.0.0.1");
    expect(elsewhere.status).toBe(1);
    expect(elsewhere.stderr).toContain(
      "FAIL interface ks-vip0 (controlPlane.endpoint.interface) does not carry node-1's address 127.0.0.1",
    );
    const right = run("lo", "127.0.0.1");
    expect(right.stdout).toContain("dry run: nothing will be changed");
    expect(right.stderr).not.toContain("controlPlane.endpoint.interface");
  });

  it("names swap that is on and a cgroup v1 host, when this node's kubelet refuses them (read from this machine)", () => {
    const bundle = makeBundle([], { swapOff: true, cgroupV2: true });
    const result = bash([join(bundle, "install.sh"), "--dry-run"]);
    const swapDevices = readFileSync("/proc/swaps", "utf8").trim().split("\n").length - 1;
    const cgroupType = spawnSync("stat", ["-fc", "%T", "/sys/fs/cgroup"], { encoding: "utf8" }).stdout.trim();
    if (swapDevices > 0)
      expect(result.stderr).toContain(`FAIL swap is on (${swapDevices} device(s) in /proc/swaps)`);
    else expect(result.stderr).not.toContain("swap");
    if (cgroupType === "cgroup2fs") expect(result.stderr).not.toContain("cgroup");
    else
      expect(result.stderr).toContain(
        `FAIL /sys/fs/cgroup is ${cgroupType}, not cgroup v2: this kubelet refuses cgroup v1 (failCgroupV1)\n       fix: boot the node with cgroup v2 only`,
      );
    // Nodes whose kubelet accepts both are not asked.
    const relaxed = bash([join(makeBundle([]), "install.sh"), "--dry-run"]);
    expect(relaxed.stderr).not.toMatch(/swap is on|not cgroup v2/);
  });

  it("names the CNI plugins missing from the runtime's folder, with the fix", () => {
    const area = temporaryDirectory();
    const plugins = join(area, "cni-bin");
    mkdirSync(plugins);
    writeFileSync(join(plugins, "bridge"), "#!/bin/sh\n", { mode: 0o755 });
    // A name no folder of any machine holds, so the fix cannot point elsewhere.
    const bundle = makeBundle([], {
      cniPlugins: { directory: plugins, names: ["bridge", "kubescratch-test-ipam"] },
    });
    const result = bash([join(bundle, "install.sh"), "--dry-run"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `FAIL the CNI plugins kubescratch-test-ipam are not in ${plugins}, where this bundle's runtime looks\n       fix: install the CNI plugins (github.com/containernetworking/plugins releases) into ${plugins}; with Debian's containernetworking-plugins package set runtime.cniBinDir: /usr/lib/cni and regenerate`,
    );
    writeFileSync(join(plugins, "kubescratch-test-ipam"), "#!/bin/sh\n", { mode: 0o755 });
    expect(bash([join(bundle, "install.sh"), "--dry-run"]).stderr).not.toContain("CNI");
  });

  it("notes the hygiene packages that are missing, never as a failure: fetched later, or not at all when the node cannot", () => {
    const names = ["bash", "kubescratch-test-package"];
    const offline = (install: boolean) => {
      const bundle = makeBundle([], { hygienePackages: { names, install } });
      // A network namespace of its own, with only loopback: no package source can answer.
      const namespace = `kspre${process.pid}${install ? "i" : "s"}`;
      spawnSync("ip", ["netns", "add", namespace]);
      try {
        return bash([
          "-c",
          `ip netns exec ${namespace} sh -c 'ip link set lo up && exec "$0" --dry-run' ${join(bundle, "install.sh")}`,
        ]);
      } finally {
        spawnSync("ip", ["netns", "del", namespace]);
      }
    };
    // (This machine may fail other checks, systemd's among them: only the hygiene lines matter here.)
    const fetching = offline(true);
    expect(fetching.stderr).not.toContain("hygiene");
    expect(fetching.stdout).toMatch(
      /NOTE hygiene packages not installed: kubescratch-test-package, and no package source answers \((.+ did not answer within 3 seconds|no apt source is configured)\)\n {7}later: the node's services start without them; apt-get install kubescratch-test-package once a source answers, or set hygiene.installPackages: false/,
    );
    const skipping = offline(false);
    expect(skipping.stderr).not.toContain("hygiene");
    expect(skipping.stdout).toContain(
      "NOTE hygiene packages not installed: kubescratch-test-package (hygiene.installPackages is false: nothing is downloaded)",
    );
    expect(skipping.stdout).not.toMatch(/not installed: .*bash/);
  });

  it("without --dry-run, a failed preflight installs nothing", () => {
    const { area, bundle, target } = preflightBundle("127.0.0.1");
    const result = bash([join(bundle, "install.sh")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${area}/missing/kubelet is missing`);
    expect(result.stderr).toContain("nothing was installed");
    expect(() => statSync(target)).toThrow();
  });
});

describe("validate.sh", () => {
  let server: Server;
  let port = 0;
  let healthz = "ok";
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/healthz") response.end(healthz);
      else if (request.url === "/api") response.end('{"kind":"APIVersions","versions":["v1"]}');
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function counts(output: string) {
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(output);
    expect(summary).not.toBeNull();
    return {
      passed: Number(summary?.[1]),
      failed: Number(summary?.[2]),
      okLines: (output.match(/^ok {3}/gm) ?? []).length,
      failLines: (output.match(/^FAIL /gm) ?? []).length,
    };
  }

  it("reports FAIL for what this machine does not run, and ok for an apiserver that answers", async () => {
    const directory = temporaryDirectory();
    const script = join(directory, "validate.sh");
    const input: ValidateScriptInput = {
      nodeName: "master",
      roles: ["control-plane"],
      runtime: "docker",
      runtimeUnit: "docker.service",
      apiserverLocalUrl: `http://127.0.0.1:${port}`,
    };
    writeFileSync(script, validateScript(input), { mode: 0o755 });
    healthz = "ok";
    const result = await bashAsync([script]);
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/^FAIL kubelet\.service is active$/m);
    expect(result.output).toMatch(/^FAIL the apiserver container runs \(docker ps \| grep apiserver\)$/m);
    expect(result.output).toMatch(
      new RegExp(`^ok {3}GET http://127\\.0\\.0\\.1:${port}/healthz says ok$`, "m"),
    );
    expect(result.output).toMatch(
      new RegExp(`^ok {3}GET http://127\\.0\\.0\\.1:${port}/api lists the API versions$`, "m"),
    );
    const { passed, failed, okLines, failLines } = counts(result.output);
    expect([passed, failed]).toEqual([okLines, failLines]);
    expect(passed).toBe(2);
    expect(failed).toBeGreaterThanOrEqual(4);

    healthz = "[-]etcd failed";
    const unhealthy = await bashAsync([script]);
    expect(unhealthy.status).toBe(1);
    expect(unhealthy.output).toMatch(
      /^FAIL GET .*\/healthz says ok\n {7}answered \[-\]etcd failed, not ok$/m,
    );
  });

  it("reports FAIL and a summary on this machine for every fixture's nodes", () => {
    const { spec, plan } = fixture("current-ha.yaml");
    for (const node of [must(plan.nodes[0], "cp-1"), must(plan.nodes[plan.nodes.length - 1], "a worker")]) {
      const script = validateScript(validateInput(spec, plan, node));
      const result = bash(["-c", script, "validate.sh"]);
      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/^FAIL containerd\.service|^FAIL the container runtime/m);
      const { passed, failed, okLines, failLines } = counts(result.stdout);
      expect([passed, failed]).toEqual([okLines, failLines]);
      expect(failed).toBeGreaterThan(0);
      expect(result.stdout).toContain(`kubectl get node ${node.name}`);
    }
  });

  it("carries the seed's checks for each role and era", () => {
    const legacyWorker = validateScript({
      nodeName: "node-1",
      roles: ["worker"],
      runtime: "rkt",
      runtimeUnit: "rkt-api.service",
      apiserverLocalUrl: "http://127.0.0.1:8080",
    });
    expect(legacyWorker).toContain("systemctl is-active rkt-api.service");
    expect(legacyWorker).not.toContain("container_running apiserver");
    expect(legacyWorker).not.toContain("10248");
    expect(legacyWorker).toMatch(/^skip .*node node-1 is registered/m);
    const current = validateScript({
      nodeName: "cp-1",
      roles: ["control-plane", "etcd"],
      runtime: "containerd",
      runtimeUnit: "containerd.service",
      apiserverLocalUrl: "https://127.0.0.1:6443",
      kubeconfig: "/var/lib/kubelet/kubeconfig",
      caFile: "/etc/kubernetes/pki/ca.crt",
    });
    expect(current).toContain(
      'crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps --name "$1" -q',
    );
    expect(current).toContain("container_running kube-apiserver");
    expect(current).toContain("container_running etcd");
    expect(current).toContain("--cacert /etc/kubernetes/pki/ca.crt");
    expect(current).toContain("http://127.0.0.1:10248/healthz");
    expect(current).toContain('"${KUBECTL[@]}" get node "$NODE_NAME" -o name');
    expect(bash(["-c", current, "validate.sh", "--bogus"]).status).toBe(2);
  });
});

describe("validate-cluster.sh", () => {
  const input = {
    clusterName: "test",
    nodeNames: ["node-1", "node-2"],
    dnsServiceIp: "10.0.0.10",
    clusterDomain: "cluster.local",
    kubeconfigFile: "kubeconfigs/admin.kubeconfig",
  };

  it("stops with FAIL and a summary when the apiserver cannot be reached, creating nothing", () => {
    const directory = temporaryDirectory();
    mkdirSync(join(directory, "kubeconfigs"));
    writeFileSync(
      join(directory, "kubeconfigs/admin.kubeconfig"),
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: test",
        "  cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}",
        "contexts:",
        "- name: test",
        "  context: {cluster: test, user: admin}",
        "current-context: test",
        "users:",
        "- name: admin",
        "  user: {token: not-a-real-token}",
        "",
      ].join("\n"),
    );
    writeFileSync(join(directory, "nginx-example.yaml"), nginxExample());
    writeFileSync(join(directory, "validate-cluster.sh"), validateClusterScript(input), { mode: 0o755 });
    const env = { ...process.env };
    delete env.KUBECONFIG;
    const result = bash([join(directory, "validate-cluster.sh")], { env });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`KUBECONFIG=${directory}/kubeconfigs/admin.kubeconfig`);
    expect(result.stdout).toMatch(/^FAIL the apiserver is healthy/m);
    expect(result.stdout).toMatch(/^1 passed, 1 failed$/m);
    expect(result.stdout).not.toContain("nginx");

    const usage = bash([join(directory, "validate-cluster.sh"), "--timeout", "soon"], { env });
    expect(usage.status).toBe(2);
  });

  it("waits for the DNS service's endpoints before the probe pod (a fresh cluster's CoreDNS may lag; found by booting current-flannel)", () => {
    const directory = temporaryDirectory();
    mkdirSync(join(directory, "bin"));
    // An apiserver where everything is up but the DNS service has no ready endpoint yet: kubectl's
    // answers, by the arguments validate-cluster.sh passes, and a log of what was asked.
    writeFileSync(
      join(directory, "bin/kubectl"),
      [
        "#!/bin/bash",
        'echo "$*" >>"$(dirname "$0")/asked"',
        'case "$*" in',
        '  "get --raw /livez") echo ok ;;',
        '  "get node "*) echo True ;;',
        '  *"{.items[*].spec.clusterIP}"*) echo "10.0.0.1 10.0.0.10" ;;',
        `  *'{range .items[?(@.spec.clusterIP=="10.0.0.10")]}'*) echo "kube-system kube-dns" ;;`,
        '  "get namespaces"*) ;;',
        '  *"get deployment nginx"*) echo 2 ;;',
        '  *"get endpoints nginx"*) echo "10.1.0.2 10.1.1.2" ;;',
        '  *"get endpoints kube-dns"*) echo "" ;;',
        "  *) exit 0 ;;",
        "esac",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    writeFileSync(join(directory, "nginx-example.yaml"), nginxExample());
    writeFileSync(join(directory, "validate-cluster.sh"), validateClusterScript(input), { mode: 0o755 });
    const env = {
      ...process.env,
      PATH: `${join(directory, "bin")}:${process.env.PATH ?? ""}`,
      KUBECONFIG: join(directory, "admin.kubeconfig"),
    };
    const result = bash([join(directory, "validate-cluster.sh"), "--timeout", "1"], { env });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^ok +service nginx has 2 endpoints$/m);
    expect(result.stdout).toMatch(/^FAIL the cluster DNS service has a ready endpoint$/m);
    expect(result.stdout).toContain("service kube-system/kube-dns has no ready endpoint yet");
    expect(result.stdout).toMatch(/^skip +the probe pod starts \(busybox\)/m);
    const asked = readFileSync(join(directory, "bin/asked"), "utf8");
    expect(asked).not.toMatch(/^create/m);
  });

  it("uses the cluster's DNS address and domain, and an absolute kubeconfig as given", () => {
    const script = validateClusterScript({
      ...input,
      clusterDomain: "corp.example",
      kubeconfigFile: "/etc/kubernetes/admin.conf",
    });
    expect(script).toContain('export KUBECONFIG="${KUBECONFIG:-/etc/kubernetes/admin.conf}"');
    expect(script).toContain("DNS_SERVICE_IP=10.0.0.10");
    expect(script).toContain("nslookup kubernetes.default.svc.corp.example");
    expect(script).toContain("http://nginx.kubescratch-check.svc.corp.example");
  });

  it("starts a probe pod that validates against the upstream schema", () => {
    const script = validateClusterScript(input);
    const match = /cat <<'YAML'\n([\s\S]*?)\nYAML\n/.exec(script);
    expect(match?.[1]).toBeDefined();
    const pod = loadAll(match?.[1] ?? "")[0];
    expect(validateKubernetesObject(pod)).toEqual([]);
  });
});

describe("nginx-example.yaml", () => {
  it("holds the namespace, a 2-replica nginx Deployment and its Service, valid upstream", () => {
    const objects = loadAll(nginxExample()) as {
      kind: string;
      metadata: { name: string; namespace?: string };
      spec?: { replicas?: number };
    }[];
    expect(objects.map((object) => object.kind)).toEqual(["Namespace", "Deployment", "Service"]);
    for (const object of objects) expect(validateKubernetesObject(object)).toEqual([]);
    expect(objects[0]?.metadata.name).toBe("kubescratch-check");
    expect(objects.slice(1).map((object) => object.metadata.namespace)).toEqual([
      "kubescratch-check",
      "kubescratch-check",
    ]);
    expect(objects[1]?.spec?.replicas).toBe(2);
  });

  it("uses extensions/v1beta1 for releases without apps/v1", () => {
    expect(nginxExample({ kubernetesVersion: "1.2.7" })).toContain("apiVersion: extensions/v1beta1");
    expect(nginxExample({ kubernetesVersion: "1.34.8" })).toContain("apiVersion: apps/v1");
  });
});

describe("admin README", () => {
  it("orders the node bundles: etcd members, control plane, workers; then addons and validation", () => {
    const text = adminReadme({
      clusterName: "c",
      kubernetesVersion: "1.34.8",
      kubeconfigFile: "kubeconfigs/admin.kubeconfig",
      nodes: [
        { name: "w-1", roles: ["worker"], ip: "10.0.0.21" },
        { name: "cp-1", roles: ["control-plane"], ip: "10.0.0.11" },
        { name: "e-1", roles: ["etcd"], ip: "10.0.0.5" },
      ],
      dnsEnabled: true,
    });
    expect(text).toContain(
      "1. The etcd members: `e-1`.\n2. The control-plane nodes: `cp-1`.\n3. The workers: `w-1`.",
    );
    const order = [
      "mkdir -p d && tar -xzf <node>.tar.gz -C d",
      "sudo d/install.sh --dry-run",
      "sudo d/install.sh ",
      "d/validate.sh",
      "kubectl apply -f nodes.yaml",
      "kubectl apply -f addons/",
      "./validate-cluster.sh",
    ].map((needle) => text.indexOf(needle));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('export KUBECONFIG="$PWD/kubeconfigs/admin.kubeconfig"');
  });

  it("installs a node with several roles at its first step", () => {
    const { plan } = fixture("current-ha.yaml");
    const text = adminReadme({
      clusterName: plan.clusterName,
      kubernetesVersion: plan.profile.version,
      nodes: plan.nodes.map((node) => ({ name: node.name, roles: node.roles, ip: node.ip })),
      dnsEnabled: true,
    });
    expect(text).toMatch(/^1\. The etcd members: `cp-1` \(also control-plane\), /m);
    expect(text).not.toContain("The control-plane nodes");
    expect(text).toMatch(/^2\. The workers: `worker-1`/m);
  });
});

describe("shellQuote", () => {
  it("gives bash back exactly the value", () => {
    for (const value of ["plain", "it's", "a b", "$HOME", "`x`", "\\", "", "-n", "*"]) {
      expect(bash(["-c", `printf '%s' ${shellQuote(value)}`]).stdout).toBe(value);
    }
  });
});

describe("installScript input", () => {
  const base: InstallScriptInput = {
    nodeName: "n",
    nodeIp: "10.0.0.1",
    kubernetesVersion: "1.34.8",
    files: [{ path: "/etc/a", mode: 0o644, secret: false }],
    networkScripts: [],
    units: [],
    binaries: [],
  };
  it("refuses paths and names that the bundle or bash could not carry faithfully", () => {
    const bad: [Partial<InstallScriptInput>, RegExp][] = [
      [{ files: [{ path: "etc/a", mode: 0o644, secret: false }] }, /not an absolute file path/],
      [{ files: [{ path: "/etc/../a", mode: 0o644, secret: false }] }, /"\.\." component/],
      [{ files: [{ path: "/etc/a\nb", mode: 0o644, secret: false }] }, /control character/],
      [{ files: [{ path: "/etc/a\\b", mode: 0o644, secret: false }] }, /backslash/],
      [{ files: [{ path: "/install.sh", mode: 0o755, secret: false }] }, /collide/],
      [{ files: [...base.files, ...base.files] }, /appears twice/],
      [{ files: [{ path: "/etc/a", mode: 0o10000, secret: false }] }, /not a permission mode/],
      [{ networkScripts: ["/etc/b.sh"] }, /not one of the node's files/],
      [{ units: ["--now"] }, /not a systemd unit name/],
    ];
    for (const [change, error] of bad) expect(() => installScript({ ...base, ...change })).toThrow(error);
  });
});
