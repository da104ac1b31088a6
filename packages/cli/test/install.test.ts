// The command as README.md ("Install the command") installs it: the CLI and its workspace
// dependencies packed by pnpm (workspace: ranges become versions), installed together with
// `npm i -g --prefix` from the tarballs, then run from a folder that has nothing to do with the
// checkout. Uses the built dist folders, as the other CLI tests do.
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { repoRoot } from "../../core/test/helpers.js";

let scratch: string;
let prefix: string;
let project: string;
let tarballs: string[];

function installed(args: string[]) {
  const result = spawnSync(join(prefix, "bin/kubescratch"), args, {
    cwd: project,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-install-"));
  const packs = join(scratch, "packs");
  prefix = join(scratch, "prefix");
  project = join(scratch, "project");
  mkdirSync(project);
  // "@kubescratch/cli..." is the CLI and every workspace package it depends on.
  execFileSync(
    "npx",
    ["--yes", "pnpm@10.34.9", "--filter", "@kubescratch/cli...", "-r", "pack", "--pack-destination", packs],
    { cwd: repoRoot, stdio: "pipe" },
  );
  tarballs = readdirSync(packs)
    .filter((file) => file.endsWith(".tgz"))
    .map((file) => join(packs, file));
  execFileSync(
    "npm",
    [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
      ...tarballs,
    ],
    { cwd: scratch, stdio: "pipe" },
  );
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the installed command (npm i -g of the packed tarballs)", () => {
  it("packs the CLI with its workspace dependencies as versions, and nothing but the built files", () => {
    expect(tarballs.map((path) => path.slice(path.lastIndexOf("/") + 1)).sort()).toEqual([
      "kubescratch-cli-0.1.0.tgz",
      "kubescratch-core-0.1.0.tgz",
      "kubescratch-rehearse-0.1.0.tgz",
      "kubescratch-site-0.1.0.tgz",
    ]);
    for (const tarball of tarballs) {
      const manifest = JSON.parse(
        execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }),
      ) as { dependencies?: Record<string, string> };
      expect(
        Object.values(manifest.dependencies ?? {}).filter((range) => range.startsWith("workspace:")),
      ).toEqual([]);
      const listed = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
      expect(listed.filter((path) => /\/(src|test)\/|\.tsbuildinfo$/.test(path))).toEqual([]);
    }
  });

  it("runs --version", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as {
      version: string;
    };
    const result = installed(["--version"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n")[0]).toBe(`kubescratch ${version}`);
    expect(result.code).toBe(0);
  });

  it("init points editors at the installed package's schema, which has the published $id", () => {
    const result = installed(["init", "cluster.yaml"]);
    expect(result.code).toBe(0);
    const spec = join(project, "cluster.yaml");
    const location = /^# yaml-language-server: \$schema=(.+)$/m.exec(readFileSync(spec, "utf8"))?.[1] ?? "";
    expect(location).toMatch(
      /^\.\.\/prefix\/lib\/node_modules\/@kubescratch\/core\/dist\/cluster\.schema\.json$/,
    );
    const schemaPath = resolve(dirname(spec), location);
    expect(schemaPath.startsWith(prefix)).toBe(true);
    expect(JSON.parse(readFileSync(schemaPath, "utf8"))).toMatchObject({
      $id: "https://kubescratch.dev/schemas/v1alpha1/cluster.schema.json",
      title: "ClusterSpec",
    });
  });

  it("generates a cluster, with one JSON document on stdout", () => {
    const spec = join(project, "fast.yaml");
    expect(installed(["init", "fast.yaml"]).code).toBe(0);
    // ECDSA keys: a few seconds less of key generation than the starter's RSA.
    appendFileSync(spec, "security:\n  keyAlgorithm: ecdsa-p256\n");
    const result = installed(["generate", "fast.yaml", "-o", "out", "--json", "--progress", "none"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { nodes: { file: string }[]; warnings: unknown[] };
    expect(summary.nodes.map((node) => node.file)).toEqual([
      "nodes/master.tar.gz",
      "nodes/worker-1.tar.gz",
      "nodes/worker-2.tar.gz",
      "nodes/worker-3.tar.gz",
    ]);
    expect(summary.warnings).toEqual([]);
    const listed = execFileSync("tar", ["-tzf", join(project, "out/nodes/master.tar.gz")], {
      encoding: "utf8",
    });
    expect(listed).toContain("install.sh");
  });
});
