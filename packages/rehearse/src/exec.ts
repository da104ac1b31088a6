// Running the host's tools: every command the rehearsal runs goes through here, so a failure always
// names the command, its exit status and the end of what it printed.
import { spawn } from "node:child_process";

export interface RunOptions {
  readonly input?: string | Uint8Array;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Kill the command after this long (default: 10 minutes). */
  readonly timeoutMs?: number;
  /** Resolve with the result instead of throwing when the command exits non-zero. */
  readonly allowFailure?: boolean;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly result: RunResult,
  ) {
    const output = `${result.stderr}\n${result.stdout}`.trim().split("\n").slice(-12).join("\n");
    super(`${command.join(" ")} exited with ${result.code}${output ? `:\n${output}` : ""}`);
    this.name = "CommandError";
  }
}

const MAX_CAPTURE = 4 * 1024 * 1024;

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, rejectPromise) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ? { ...options.env } : process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_CAPTURE) stdout.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderrBytes += chunk.length;
      if (stderrBytes <= MAX_CAPTURE) stderr.push(chunk);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      rejectPromise(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = {
        code: code ?? (signal ? 128 + 9 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      };
      if (result.code !== 0 && !options.allowFailure)
        rejectPromise(new CommandError([command, ...args], result));
      else resolvePromise(result);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Polls `attempt` until it returns a value or the deadline passes; the last error explains why not. */
export async function waitFor<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 2000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "";
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (caught) {
      lastProblem = caught instanceof Error ? caught.message : String(caught);
    }
    if (Date.now() >= deadline)
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastProblem ? `: ${lastProblem}` : ""}`,
      );
    await new Promise((resolveSleep) => setTimeout(resolveSleep, intervalMs));
  }
}
