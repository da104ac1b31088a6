// --json on every command: one document on stdout whatever happens, problems and warnings as
// objects (README.md, "The CLI"), exit codes unchanged.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../core/test/helpers.js";

const binary = join(repoRoot, "packages/cli/dist/main.js");

function kubescratch(args: string[], input = "") {
  const result = spawnSync("node", [binary, ...args], {
    cwd: repoRoot,
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: parse(result.stdout) };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return `not JSON: ${text}`;
  }
}

/** One node, ECDSA keys: quick to generate, and valid with one warning (fewer than 4 nodes). */
const TINY = `apiVersion: kubescratch.dev/v1alpha1
kind: Cluster
name: tiny
kubernetesVersion: "1.34"
security:
  keyAlgorithm: ecdsa-p256
nodes:
  - name: a
    ip: 192.168.10.10
    roles: [control-plane, etcd, worker]
`;

let scratch: string;
let tiny: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-json-"));
  tiny = join(scratch, "tiny.yaml");
  writeFileSync(tiny, TINY);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

const tinyWarning = (file: string) => ({
  severity: "warning",
  pointer: "/nodes",
  message: "the cluster has 1 node; the guide recommends at least 4.",
  fix: "Add nodes for room to schedule and to survive a node failure.",
  file,
  line: 8,
  column: 3,
});

describe("--json", () => {
  it("validate reports every file, its problems and warnings as objects, with the usual exit code", () => {
    const result = kubescratch([
      "validate",
      "--json",
      tiny,
      "fixtures/invalid/docker-current.yaml",
      join(scratch, "nope.yaml"),
    ]);
    expect(result.code).toBe(3);
    expect(result.json).toEqual({
      valid: 1,
      invalid: 1,
      unreadable: 1,
      files: [
        {
          file: tiny,
          status: "valid",
          cluster: "tiny",
          kubernetesVersion: "1.34.8",
          nodes: 1,
          errors: [],
          warnings: [tinyWarning(tiny)],
          message: null,
        },
        {
          file: "fixtures/invalid/docker-current.yaml",
          status: "invalid",
          cluster: null,
          kubernetesVersion: null,
          nodes: null,
          errors: [
            {
              severity: "error",
              pointer: "/runtime/type",
              message:
                'runtime.type "docker" cannot be used with Kubernetes 1.34: dockershim was removed in Kubernetes 1.24 (kubernetes/kubernetes#97252).',
              fix: 'Use runtime.type "containerd".',
              file: "fixtures/invalid/docker-current.yaml",
              line: 8,
              column: 9,
            },
          ],
          warnings: [],
          message: null,
        },
        {
          file: join(scratch, "nope.yaml"),
          status: "unreadable",
          cluster: null,
          kubernetesVersion: null,
          nodes: null,
          errors: [],
          warnings: [],
          message: `cannot read ${join(scratch, "nope.yaml")}: no such file`,
        },
      ],
    });
    // stderr stays the human channel: the same problems as lines.
    expect(result.stderr).toContain("fixtures/invalid/docker-current.yaml:8:9: /runtime/type:");
    const single = kubescratch(["validate", "--json", "-"], TINY);
    expect(single.code).toBe(0);
    expect(single.json).toMatchObject({
      valid: 1,
      files: [{ file: "<stdin>", warnings: [tinyWarning("<stdin>")] }],
    });
    expect(kubescratch(["validate", "--json", "fixtures/invalid/docker-current.yaml"]).code).toBe(1);
  });

  it("plan adds the warnings as objects beside the plan and its certificates", () => {
    const result = kubescratch(["plan", "--json", tiny]);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ clusterName: "tiny", warnings: [tinyWarning(tiny)] });
  });

  it("generate and site summarise as objects; a failure is an error document, exit codes unchanged", () => {
    const out = join(scratch, "out");
    const generated = kubescratch(["generate", tiny, "-o", out, "--json"]);
    expect(generated.code).toBe(0);
    expect(generated.json).toMatchObject({
      cluster: "tiny",
      format: "tar",
      nodes: [{ name: "a", file: "nodes/a.tar.gz" }],
      warnings: [tinyWarning(tiny)],
    });
    const site = kubescratch([
      "site",
      tiny,
      "-o",
      join(scratch, "site"),
      "--state",
      join(out, "state.json"),
      "--json",
    ]);
    expect(site.code).toBe(0);
    expect(site.json).toMatchObject({
      cluster: "tiny",
      output: join(scratch, "site"),
      index: join(scratch, "site", "index.html"),
      nodes: 1,
      includeSecrets: false,
      state: join(out, "state.json"),
      warnings: [tinyWarning(tiny)],
    });

    const invalid = kubescratch(["generate", "fixtures/invalid/docker-current.yaml", "-o", out, "--json"]);
    expect(invalid.code).toBe(1);
    expect(invalid.json).toEqual({
      error: {
        kind: "invalid-spec",
        exitCode: 1,
        message: "1 error: the spec is invalid.",
        issues: [expect.objectContaining({ pointer: "/runtime/type", line: 8, column: 9 })],
      },
      warnings: [],
    });
    const usage = kubescratch(["generate", tiny, "--json"]);
    expect(usage.code).toBe(2);
    expect(usage.json).toEqual({
      error: {
        kind: "usage",
        exitCode: 2,
        message: "generate needs an output directory: -o DIR",
        issues: [],
      },
      warnings: [],
    });
    writeFileSync(join(scratch, "file"), "");
    const failure = kubescratch(["generate", tiny, "-o", join(scratch, "file"), "--json"]);
    expect(failure.code).toBe(3);
    expect(failure.json).toMatchObject({ error: { kind: "failure", exitCode: 3 } });
  });

  it("init prints the file, the schema location and the text", () => {
    const result = kubescratch(["init", "--json", "--schema", "https://example.invalid/s.json"]);
    expect(result.code).toBe(0);
    expect(result.json).toEqual({
      file: null,
      schema: "https://example.invalid/s.json",
      text: expect.stringMatching(/^# yaml-language-server: \$schema=https:\/\/example\.invalid\/s\.json\n/),
    });
    const written = kubescratch(["init", "--json", join(scratch, "cluster.yaml")]);
    expect(written.code).toBe(0);
    expect(written.stderr).toBe("");
    expect(written.json).toMatchObject({ file: join(scratch, "cluster.yaml") });
  });

  it.each([
    [["frobnicate", "--json"], 'unknown command "frobnicate"'],
    [["rehearse", "fixtures/specs/single-node.yaml", "--json"], "rehearse needs --binaries DIR"],
    [["plan", "--json", "--previus", "x.yaml"], "unknown option --previus; did you mean --previous?"],
  ])("%j: a usage error is a document too (exit 2)", (args, message) => {
    const result = kubescratch(args);
    expect(result.code).toBe(2);
    expect(result.json).toEqual({ error: { kind: "usage", exitCode: 2, message, issues: [] }, warnings: [] });
  });
});
