// The CLI as users run it: the built binary in a child process, real files, real exit codes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { expectedError, fixtureFiles, repoRoot } from "../../core/test/helpers.js";

const binary = join(repoRoot, "packages/cli/dist/main.js");

function kubescratch(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync("node", [binary, ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input ?? "",
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-cli-"));
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("kubescratch validate", () => {
  it("accepts every file in fixtures/specs", () => {
    const paths = fixtureFiles("specs").map((file) => file.path);
    const result = kubescratch(["validate", ...paths]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(paths.length);
    expect(result.stdout).toContain(
      'fixtures/specs/seed-https.yaml: valid (cluster "seed", Kubernetes 1.2.7, 4 nodes)',
    );
  });

  it.each(fixtureFiles("invalid").map((file) => [file.name, file.path, file.text]))(
    "rejects %s with its message, exit 1, no stack trace",
    (_name, path, text) => {
      const relativePath = `fixtures/invalid/${_name}`;
      const result = kubescratch(["validate", relativePath]);
      expect(result.code).toBe(1);
      const errors = result.stderr
        .split("\n")
        .filter((line) => line.startsWith(`${relativePath}:`) && !line.includes(": warning: "));
      const expected = expectedError(text);
      expect(errors).toEqual([
        expected.startsWith("/") ? `${relativePath}: ${expected}` : `${relativePath}:${expected}`,
      ]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe("");
      expect(existsSync(path)).toBe(true);
    },
  );

  it("reads standard input with -", () => {
    const text = readFileSync(join(repoRoot, "fixtures/specs/minimal.yaml"), "utf8");
    const result = kubescratch(["validate", "-"], { input: text });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('<stdin>: valid (cluster "demo", Kubernetes 1.34.8, 4 nodes)\n');
  });

  it("prints warnings on stderr and still succeeds", () => {
    const result = kubescratch(["validate", "fixtures/specs/netns-routed.yaml"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "fixtures/specs/netns-routed.yaml:14:3: warning: /nodes: the cluster has 3 nodes; the guide recommends at least 4. Fix: Add nodes for room to schedule and to survive a node failure.\n",
    );
  });

  it("validates JSON specs by extension", () => {
    const path = join(scratch, "spec.json");
    writeFileSync(
      path,
      JSON.stringify({ apiVersion: "kubescratch.dev/v1alpha1", kind: "Cluster", name: "j", nodes: [] }),
    );
    const result = kubescratch(["validate", path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${path}:1:`);
    expect(result.stderr).toContain("/nodes: needs at least 1 entry.");
  });
});

describe("kubescratch plan", () => {
  it("names the highly available endpoint and what serves it", () => {
    const result = kubescratch(["plan", "fixtures/specs/current-ha.yaml"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "API server:      https://192.168.50.10:8443 (endpoint: virtual IP and haproxy on cp-1, cp-2, cp-3)",
    );
  });

  it("prints both families of a dual-stack plan and the pod MTU its overlay leaves", () => {
    const result = kubescratch(["plan", "fixtures/specs/current-flannel-dualstack.yaml"]);
    expect(result.code).toBe(0);
    for (const line of [
      "Network:              overlay (flannel), pod MTU 1430",
      "Pod range (2nd):      fd00:10:244::/56: 256 node ranges of /64, 3 used",
      "kubernetes svc:       10.96.0.1, fd00:10:96::1",
      "DNS service IP:       10.96.0.10, fd00:10:96::a (domain cluster.local)",
      "Families:             dual-stack: IPv4 (primary), IPv6",
    ])
      expect(result.stdout).toContain(line);
    expect(result.stdout).toMatch(
      /^\s+fd00:60::11\s+fd00:10:244:1::\/64\s+fd00:10:244:1::1\/64\s+allocated$/m,
    );
  });

  it("prints the seed's plan as a table", () => {
    const result = kubescratch(["plan", "fixtures/specs/seed-https.yaml"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Service range:   10.0.0.0/16: 65534 service IPs");
    expect(result.stdout).toContain("API server:      https://172.16.0.10:443");
    expect(result.stdout).toMatch(
      /^master\s+control-plane,etcd\s+172\.16\.0\.10\s+10\.10\.0\.0\/24\s+10\.10\.0\.1\/24\s+allocated$/m,
    );
    expect(result.stdout).toMatch(
      /^node-3\s+worker\s+172\.16\.0\.13\s+10\.10\.3\.0\/24\s+10\.10\.3\.1\/24\s+allocated$/m,
    );
  });

  it("prints JSON that --previous reads back, keeping existing nodes' ranges", () => {
    const first = kubescratch(["plan", "--json", "fixtures/specs/minimal.yaml"]);
    expect(first.code).toBe(0);
    const previousPath = join(scratch, "plan.json");
    writeFileSync(previousPath, first.stdout);
    const grown = readFileSync(join(repoRoot, "fixtures/specs/minimal.yaml"), "utf8").replace(
      "  - name: worker-1\n",
      "  - name: early\n    ip: 192.168.10.50\n    roles: [worker]\n  - name: worker-1\n",
    );
    const specPath = join(scratch, "grown.yaml");
    writeFileSync(specPath, grown);
    const second = kubescratch(["plan", "--json", "--previous", previousPath, specPath]);
    expect(second.code).toBe(0);
    const before = JSON.parse(first.stdout) as { nodes: { name: string; podCIDR: string }[] };
    const after = JSON.parse(second.stdout) as { nodes: { name: string; podCIDR: string }[] };
    for (const node of before.nodes)
      expect(after.nodes.find((other) => other.name === node.name)?.podCIDR).toBe(node.podCIDR);
    expect(after.nodes.find((node) => node.name === "early")?.podCIDR).toBe("10.10.4.0/24");
  });

  it("fails with exit 3 and one line on an unreadable previous plan", () => {
    const previousPath = join(scratch, "broken.json");
    writeFileSync(previousPath, "{");
    const result = kubescratch(["plan", "--previous", previousPath, "fixtures/specs/minimal.yaml"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^kubescratch plan: cannot read the previous plan .*broken\.json: /);
    expect(result.stdout).toBe("");
  });
});

describe("certificates in validate and plan", () => {
  function caSpec(extra: string): string {
    const minimal = readFileSync(join(repoRoot, "fixtures/specs/minimal.yaml"), "utf8");
    const specPath = join(scratch, "cluster.yaml");
    writeFileSync(specPath, minimal.replace("name: demo\n", `name: demo\nsecurity:\n  ca:\n${extra}`));
    return specPath;
  }
  function opensslCa(name: string, basicConstraints: string): void {
    const result = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .concat([
          "-keyout",
          join(scratch, `${name}.key`),
          "-out",
          join(scratch, `${name}.crt`),
          "-days",
          "3650",
        ])
        .concat(["-subj", `/CN=${name}`, "-addext", basicConstraints]),
      { encoding: "utf8" },
    );
    expect(result.status).toBe(0);
  }

  it("reads certificateFile and keyFile relative to the spec and accepts a usable CA", () => {
    opensslCa("corp", "basicConstraints=critical,CA:TRUE");
    const result = kubescratch([
      "validate",
      caSpec("    certificateFile: corp.crt\n    keyFile: corp.key\n"),
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("names the field, line and reason for a CA that is not one, and for a missing file", () => {
    opensslCa("leaf", "basicConstraints=critical,CA:FALSE");
    const specPath = caSpec("    certificateFile: leaf.crt\n    keyFile: leaf.key\n");
    const notCa = kubescratch(["validate", specPath]);
    expect(notCa.code).toBe(1);
    expect(notCa.stderr).toContain(
      `${specPath}:8:22: /security/ca/certificateFile: CN=leaf is not a certificate authority (its basic constraints lack CA:TRUE).`,
    );
    const missing = kubescratch(["validate", caSpec("    certificateFile: nope.crt\n")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `/security/ca/certificateFile: cannot read "nope.crt" (${join(scratch, "nope.crt")}): no such file.`,
    );
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it("plan lists every certificate with its holders and not-after date", () => {
    const result = kubescratch(["plan", "fixtures/specs/current-ha.yaml"]);
    expect(result.code).toBe(0);
    const year = new Date().getUTCFullYear();
    expect(result.stdout).toMatch(
      new RegExp(`^ca\\s+CN=kubernetes\\s+self\\s+all nodes\\s+${year + 10}-`, "m"),
    );
    expect(result.stdout).toMatch(
      new RegExp(`^etcd-peer/cp-2\\s+CN=cp-2\\s+etcd-ca\\s+cp-2\\s+${year + 1}-`, "m"),
    );
    expect(result.stdout).toMatch(/^etcd-ca\s+CN=etcd-ca\s+self\s+cp-1,cp-2,cp-3\s+/m);
    const json = JSON.parse(kubescratch(["plan", "--json", "fixtures/specs/current-ha.yaml"]).stdout) as {
      certificates: { id: string; notAfter: string }[];
    };
    expect(json.certificates).toHaveLength(41);
  });
});

describe("kubescratch init", () => {
  it("writes a starter spec that validates and points editors at the shipped schema", () => {
    const target = join(scratch, "cluster.yaml");
    const result = kubescratch(["init", target]);
    expect(result.code).toBe(0);
    const text = readFileSync(target, "utf8");
    const schemaLine = /^# yaml-language-server: \$schema=(.+)$/m.exec(text);
    expect(schemaLine).not.toBeNull();
    const schemaPath = resolve(dirname(target), schemaLine?.[1] ?? "");
    expect(JSON.parse(readFileSync(schemaPath, "utf8"))).toMatchObject({ title: "ClusterSpec" });
    expect(kubescratch(["validate", target]).code).toBe(0);
  });

  it("never overwrites a file unless --force is given", () => {
    const target = join(scratch, "cluster.yaml");
    writeFileSync(target, "mine\n");
    const refused = kubescratch(["init", target]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("already exists; pass --force to overwrite it");
    expect(readFileSync(target, "utf8")).toBe("mine\n");
    expect(kubescratch(["init", "--force", target]).code).toBe(0);
    expect(readFileSync(target, "utf8")).toContain("kind: Cluster");
  });

  it("prints to standard output without a FILE", () => {
    const result = kubescratch(["init", "--schema", "https://example.invalid/cluster.schema.json"]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe(
      "# yaml-language-server: $schema=https://example.invalid/cluster.schema.json",
    );
  });
});

describe("usage and failures", () => {
  it.each(["init", "validate", "plan", "rehearse"])("%s --help prints its usage and exits 0", (command) => {
    const result = kubescratch([command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: kubescratch ${command}`));
    expect(result.stdout).toContain("Exit codes:");
  });

  it("--version names this version and the Kubernetes releases it writes for", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as {
      version: string;
    };
    for (const flag of ["--version", "-V", "version"]) {
      const result = kubescratch([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(
        `kubescratch ${version}\nKubernetes: 1.30 to 1.36 (default 1.34.8), and the from-scratch guide's 1.1 and 1.2\n`,
      );
    }
  });

  it("help COMMAND prints that command's usage", () => {
    const result = kubescratch(["help", "generate"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: kubescratch generate SPEC -o DIR/);
  });

  it.each([
    [["genrate"], 'kubescratch: unknown command "genrate"; did you mean "generate"?'],
    [["help", "plna"], 'kubescratch help: unknown command "plna"; did you mean "plan"?'],
    [["frobnicate"], 'kubescratch: unknown command "frobnicate"\n'],
    [
      ["plan", "--previus", "x.yaml"],
      "kubescratch plan: unknown option --previus; did you mean --previous?\n",
    ],
  ])("%j suggests what was meant, when something is near (exit 2)", (args, message) => {
    const result = kubescratch(args);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(message)).toBe(true);
  });

  it("validate checks every file it is given and counts those that failed", () => {
    const bad = join(scratch, "bad.yaml");
    writeFileSync(bad, "apiVersion: kubescratch.dev/v1alpha1\n");
    const result = kubescratch(["validate", bad, "fixtures/specs/minimal.yaml", join(scratch, "nope.yaml")]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe(
      'fixtures/specs/minimal.yaml: valid (cluster "demo", Kubernetes 1.34.8, 4 nodes)\n',
    );
    expect(result.stderr).toContain(`${bad}:1:1: /kind: required property "kind" is missing.`);
    expect(result.stderr).toContain(
      `kubescratch validate: cannot read ${join(scratch, "nope.yaml")}: no such file\n`,
    );
    expect(result.stderr.endsWith("2 of 3 specs failed: 1 invalid, 1 unreadable.\n")).toBe(true);
    const invalidOnly = kubescratch(["validate", bad, "fixtures/specs/minimal.yaml"]);
    expect(invalidOnly.code).toBe(1);
    expect(invalidOnly.stderr.endsWith("1 of 2 specs failed: 1 invalid.\n")).toBe(true);
  });

  it("--help lists the commands", () => {
    const result = kubescratch(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/init\s+write a commented starter spec/);
  });

  it.each([
    [[], /^Usage: kubescratch COMMAND/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["plan", "--bogus", "x.yaml"], /unknown option --bogus\n/],
    [["plan", "x.yaml", "--previous"], /^kubescratch plan: --previous needs a value\n/],
    [["generate", "x.yaml", "-o"], /^kubescratch generate: -o, --output needs a value\n/],
    [["plan", "--json=yes", "x.yaml"], /^kubescratch plan: --json takes no value\n/],
    [["plan", "-x", "x.yaml"], /^kubescratch plan: unknown option -x\n/],
    [["plan"], /plan needs exactly one SPEC file/],
    [["validate"], /validate needs at least one SPEC file/],
    [
      [
        "rehearse",
        "fixtures/specs/single-node.yaml",
        "--binaries",
        ".",
        "--images",
        ".",
        "--certificates-age",
        "soon",
      ],
      /--certificates-age needs a whole number of days, not "soon"/,
    ],
    [
      [
        "rehearse",
        "fixtures/specs/single-node.yaml",
        "--binaries",
        ".",
        "--images",
        ".",
        "--certificates-age=-3",
      ],
      /--certificates-age needs a whole number of days, not "-3"/,
    ],
  ])("%j is a usage error (exit 2)", (args, message) => {
    const result = kubescratch(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    // In this CLI's words: none of Node's quoting ('--x', '-- "--x"') reaches the user.
    expect(result.stderr.split("\n")[0]).not.toContain("'");
  });

  it("a missing file is exit 3 with one clear line", () => {
    const result = kubescratch(["validate", "nope.yaml"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe("kubescratch validate: cannot read nope.yaml: no such file\n");
  });
});
