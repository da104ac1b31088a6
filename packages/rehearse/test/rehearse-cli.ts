// `kubescratch rehearse SPEC --json` as a user runs it, for the boot tests: the built CLI in a child
// process, its exit code, its report and its log.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { AssetFolders, RehearsalReport } from "@kubescratch/rehearse";

const execFileAsync = promisify(execFile);
export const ROOT = join(__dirname, "..", "..", "..");
const CLI = join(ROOT, "packages", "cli", "dist", "main.js");

export interface Rehearsal {
  readonly code: number;
  readonly report: RehearsalReport;
  readonly log: string;
}

/** Rehearses `spec` (relative to the repository) with `assets`; exit 4 (a check failed) still reports. */
export async function rehearseSpec(
  spec: string,
  assets: AssetFolders,
  extra: readonly string[] = [],
): Promise<Rehearsal> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [
        CLI,
        "rehearse",
        resolve(ROOT, spec),
        "--binaries",
        assets.binaries,
        "--images",
        assets.images,
        "--json",
        ...extra,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, report: JSON.parse(stdout) as RehearsalReport, log: stderr };
  } catch (caught) {
    const failure = caught as { code?: number; stdout?: string; stderr?: string };
    if (failure.code === 4 && failure.stdout)
      return { code: 4, report: JSON.parse(failure.stdout) as RehearsalReport, log: failure.stderr ?? "" };
    throw new Error(`kubescratch rehearse ${spec} exited ${failure.code}: ${failure.stderr ?? ""}`);
  }
}
