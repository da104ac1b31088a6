// The progress display: the renderer against a fake stderr and clock, then the real command on a
// pseudo-terminal (`script`) and on a pipe.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProgress, formatDuration, parseProgressMode, type ProgressMode } from "../src/progress.js";
import { repoRoot } from "../../core/test/helpers.js";

const binary = join(repoRoot, "packages/cli/dist/main.js");
const ecdsa = join(repoRoot, "fixtures/specs/current-ha.yaml");
const ERASE = "\r\u001b[2K";

/** A progress display writing into a string, driven by a clock the test sets. */
function fake(mode: ProgressMode, stderrIsTerminal: boolean) {
  let now = 1_000_000;
  let written = "";
  const progress = createProgress({
    mode,
    stderrIsTerminal,
    label: "kubescratch generate",
    write: (text) => {
      written += text;
    },
    clock: () => now,
  });
  return {
    progress,
    at: (seconds: number) => {
      now = 1_000_000 + seconds * 1000;
    },
    take: () => {
      const text = written;
      written = "";
      return text;
    },
  };
}

describe("the progress renderer", () => {
  it("formats durations for people", () => {
    expect([0, 400, 7_000, 59_600, 125_000, 3_720_000].map(formatDuration)).toEqual([
      "0s",
      "0s",
      "7s",
      "1m00s",
      "2m05s",
      "1h02m",
    ]);
  });

  it("on a terminal redraws one line with done/total, elapsed and estimate, and erases it at the end", () => {
    const { progress, at, take } = fake("auto", true);
    at(1);
    progress.update("keys", 1, 10);
    expect(take()).toBe(`${ERASE}keys 1/10 (10%), 1s elapsed, about 9s left`);
    at(1.05);
    progress.update("keys", 2, 10);
    expect(take()).toBe(""); // at most every 100 ms
    at(4);
    progress.update("keys", 4, 10);
    expect(take()).toBe(`${ERASE}keys 4/10 (40%), 4s elapsed, about 6s left`);
    progress.log("a warning\n");
    expect(take()).toBe(`${ERASE}a warning\nkeys 4/10 (40%), 4s elapsed, about 6s left`);
    at(10);
    progress.update("keys", 10, 10);
    expect(take()).toBe(`${ERASE}keys 10/10 (100%), 10s elapsed`);
    // The next phase's estimate counts from where the last one ended.
    at(12);
    progress.update("bundles", 1, 5);
    expect(take()).toBe(`${ERASE}bundles 1/5 (20%), 12s elapsed, about 8s left`);
    progress.end();
    expect(take()).toBe(ERASE);
  });

  it("off a terminal prints nothing for 2 seconds, then a line per tenth or 5 seconds, and how long it took", () => {
    const { progress, at, take } = fake("auto", false);
    at(0.5);
    progress.update("keys", 50, 1000);
    at(1.9);
    progress.update("keys", 190, 1000);
    expect(take()).toBe("");
    at(2);
    progress.update("keys", 200, 1000);
    expect(take()).toBe("kubescratch generate: keys 200/1000 (20%), 2s elapsed, about 8s left\n");
    at(2.5);
    progress.update("keys", 250, 1000);
    expect(take()).toBe("");
    at(3);
    progress.update("keys", 300, 1000);
    expect(take()).toBe("kubescratch generate: keys 300/1000 (30%), 3s elapsed, about 7s left\n");
    at(8.5);
    progress.update("keys", 301, 1000);
    expect(take()).toBe("kubescratch generate: keys 301/1000 (30%), 9s elapsed, about 20s left\n");
    progress.log("a warning\n");
    expect(take()).toBe("a warning\n");
    at(30);
    progress.update("keys", 1000, 1000);
    expect(take()).toBe("kubescratch generate: keys 1000/1000 (100%), 30s elapsed\n");
    progress.end();
    expect(take()).toBe("kubescratch generate: done in 30s\n");
  });

  it("says nothing about a quick run off a terminal, and nothing at all with none", () => {
    const quick = fake("auto", false);
    quick.at(1);
    quick.progress.update("bundles", 5, 5);
    quick.progress.end();
    expect(quick.take()).toBe("");
    const none = fake("none", true);
    none.progress.update("keys", 1, 2);
    none.progress.log("a warning\n");
    none.progress.end();
    expect(none.take()).toBe("a warning\n");
  });

  it("plain, asked for, prints from the start even on a terminal", () => {
    const { progress, take } = fake("plain", true);
    progress.update("keys", 0, 4);
    expect(take()).toBe("kubescratch generate: keys 0/4 (0%), 0s elapsed\n");
  });

  it("refuses an unknown mode as a usage error", () => {
    expect(() => parseProgressMode("fancy")).toThrow(
      'unknown --progress "fancy": use auto, tty, plain, none',
    );
    expect(parseProgressMode(undefined)).toBe("auto");
  });
});

describe("kubescratch generate's progress, for real", () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), "kubescratch-progress-"));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it("on a pseudo-terminal: one redrawn line on stderr, erased at the end; stdout holds the JSON alone", () => {
    const out = join(scratch, "out");
    const stdout = join(scratch, "stdout.json");
    // script gives the command a terminal; stdout goes to a file, stderr stays on the terminal.
    const result = spawnSync(
      "script",
      ["-qfec", `node ${binary} generate ${ecdsa} -o ${out} --json > ${stdout}`, "/dev/null"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(result.status).toBe(0);
    const terminal = result.stdout;
    // Every drawing starts by erasing the line; the last one is the erasing alone.
    const drawings = terminal.split(ERASE);
    expect(drawings[0]).toBe("");
    expect(drawings.at(-1)).toBe("");
    expect(drawings.some((line) => /^keys \d+\/\d+ \(\d+%\), \d+s elapsed/.test(line))).toBe(true);
    expect(drawings).toContainEqual(expect.stringMatching(/^bundles 7\/7 \(100%\), \d+s elapsed$/));
    expect(terminal).not.toContain("\n");
    expect(JSON.parse(readFileSync(stdout, "utf8"))).toMatchObject({ cluster: "prod" });
  });

  it("on a pipe: plain lines on stderr only", () => {
    const result = spawnSync(
      "node",
      [binary, "generate", ecdsa, "-o", join(scratch, "out"), "--json", "--progress", "plain"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(result.status).toBe(0);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines.every((line) => line.startsWith("kubescratch generate: "))).toBe(true);
    expect(
      lines.filter((line) => /^kubescratch generate: bundles 7\/7 \(100%\), \d+s elapsed$/.test(line)),
    ).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^kubescratch generate: done in \d+s$/);
    expect(result.stderr).not.toContain("\r");
    expect(JSON.parse(result.stdout)).toMatchObject({ cluster: "prod" });
  });
});
