// kubescratch generate as users run it: the built binary, real files, real exit codes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../core/test/helpers.js";

const binary = join(repoRoot, "packages/cli/dist/main.js");
const minimal = join(repoRoot, "fixtures/specs/minimal.yaml");
const ecdsa = join(repoRoot, "fixtures/specs/current-ha.yaml");

function kubescratch(args: string[]) {
  const result = spawnSync("node", [binary, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under a directory with its mode and bytes, to prove a failure changed nothing. */
function snapshot(directory: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else
        result[full.slice(directory.length)] =
          `${(stat.mode & 0o7777).toString(8)} ${readFileSync(full).toString("base64")}`;
    }
  };
  if (existsSync(directory)) walk(directory);
  return result;
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-generate-"));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe("kubescratch generate", () => {
  it("refuses a spec that is not UTF-8 at its first bad byte, and writes nothing", () => {
    const out = join(scratch, "out");
    const latin1 = join(scratch, "latin1.yaml");
    // "café" saved in ISO-8859-1 by an old editor: 0xE9 cannot start a UTF-8 character.
    writeFileSync(
      latin1,
      Buffer.from(readFileSync(minimal, "utf8").replace("name: demo\n", "name: demo\n# café\n"), "latin1"),
    );
    const refused = kubescratch(["generate", latin1, "-o", out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `${latin1}:6:6: /: the file is not UTF-8 text: byte 0xe9 is not UTF-8. Fix: Save the spec as UTF-8 (editors offer it when saving).\n1 error: the spec is invalid.\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it("site -o creates the folder and its missing parents, as its help says", () => {
    const site = join(scratch, "review", "2026", "site");
    const result = kubescratch(["site", minimal, "-o", site]);
    expect(result.stderr).not.toMatch(/does not exist/);
    expect(result.code).toBe(0);
    expect(existsSync(join(site, "index.html"))).toBe(true);
  });

  it("writes every node's bundle, the admin bundle, the plan and a 0600 state, and reuses the state", () => {
    const out = join(scratch, "out");
    const first = kubescratch(["generate", ecdsa, "-o", out, "--json"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as {
      nodes: { name: string; file: string; sha256: string }[];
      keysGenerated: number;
    };
    expect(summary.nodes.map((node) => node.file)).toEqual(
      ["cp-1", "cp-2", "cp-3", "worker-1", "worker-2", "worker-3"].map((name) => `nodes/${name}.tar.gz`),
    );
    expect(summary.keysGenerated).toBeGreaterThan(30);
    for (const file of [
      "admin.tar.gz",
      "plan.json",
      "state.json",
      ...summary.nodes.map((node) => node.file),
    ]) {
      expect(existsSync(join(out, file))).toBe(true);
    }
    expect(statSync(join(out, "state.json")).mode & 0o777).toBe(0o600);
    const before = snapshot(out);
    const second = kubescratch(["generate", ecdsa, "-o", out, "--json"]);
    expect(second.code).toBe(0);
    expect((JSON.parse(second.stdout) as { keysGenerated: number }).keysGenerated).toBe(0);
    // Same state: no byte of any bundle changes (ECDSA certificates are reused, not re-signed).
    const after = snapshot(out);
    // (plan.json may differ: it says each pod range now comes from the previous generation.)
    expect(
      Object.keys(after).filter((path) => path !== "/plan.json" && after[path] !== before[path]),
    ).toEqual([]);
  });

  it("refuses a changed service range against the state, and leaves the output as it was", () => {
    const out = join(scratch, "out");
    expect(kubescratch(["generate", minimal, "-o", out]).code).toBe(0);
    const before = snapshot(out);
    const moved = join(scratch, "moved.yaml");
    writeFileSync(
      moved,
      readFileSync(minimal, "utf8").replace(
        "name: demo\n",
        "name: demo\nnetwork:\n  serviceCIDR: 10.99.0.0/16\n",
      ),
    );
    const refused = kubescratch(["generate", moved, "-o", out]);
    expect(refused.code).toBe(1);
    // In the spec's file, at the line of the field, as every other problem is.
    expect(refused.stderr).toContain(
      `${moved}:7:16: /network/serviceCIDR: network.serviceCIDR changed from 10.0.0.0/16 (the previous generation) to 10.99.0.0/16`,
    );
    expect(refused.stderr).toContain("--allow-range-change");
    expect(snapshot(out)).toEqual(before);
    expect(kubescratch(["generate", moved, "-o", out, "--allow-range-change"]).code).toBe(0);
  });

  it("a bad spec, a corrupt state or an unwritable directory: non-zero, a clear line, nothing changed", () => {
    const out = join(scratch, "out");
    expect(kubescratch(["generate", minimal, "-o", out]).code).toBe(0);
    const before = snapshot(out);
    const bad = kubescratch([
      "generate",
      join(repoRoot, "fixtures/invalid", readdirSync(join(repoRoot, "fixtures/invalid"))[0] ?? ""),
      "-o",
      out,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(out)).toEqual(before);

    const corrupt = join(scratch, "corrupt.json");
    writeFileSync(corrupt, "{ not json");
    const corrupted = kubescratch(["generate", minimal, "-o", out, "--state", corrupt]);
    expect(corrupted.code).toBe(3);
    expect(corrupted.stderr).toMatch(/^kubescratch generate: cannot read the state .*corrupt\.json/);
    expect(snapshot(out)).toEqual(before);

    // Tests run as root, which ignores directory permissions: the unwritable output is a path
    // below a regular file instead.
    const blocker = join(scratch, "file");
    writeFileSync(blocker, "x");
    const unwritable = kubescratch(["generate", minimal, "-o", join(blocker, "out")]);
    expect(unwritable.code).toBe(3);
    expect(unwritable.stderr).toMatch(/^kubescratch generate: /);
    expect(readFileSync(blocker, "utf8")).toBe("x");
  });

  it("--format cloud-init writes #cloud-config user-data per node", () => {
    const out = join(scratch, "out");
    const result = kubescratch(["generate", minimal, "-o", out, "--format", "cloud-init"]);
    expect(result.code).toBe(0);
    const text = readFileSync(join(out, "nodes", "master.yaml"), "utf8");
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    expect(text).toContain("path: /etc/systemd/system/kubelet.service");
  });
});
