// `systemd-analyze verify` against generated unit files (verification.md §3).
//
// Verification runs inside a throwaway root (`--root=`) so that the host's binaries and units do not
// matter: the root gets a copy of /usr/lib/systemd/system (sysinit.target and friends), the units,
// an executable stub for every absolute command they run, and a stub unit for every dependency that
// nothing else provides. What is left for systemd to complain about is the units themselves.
//
// systemd-analyze exits 0 on most syntax problems (unknown keys and sections, unparsable values are
// "ignoring" warnings), so any output at all counts as a failure.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface UnitFile {
  /** "kubelet.service", or a drop-in such as "kubelet.service.d/10-flags.conf". */
  name: string;
  content: string;
}

export interface UnitVerification {
  /** systemd-analyze's exit status: 1 only for fatal errors, 0 even with warnings. */
  status: number;
  /** stdout and stderr, with the throwaway root's path removed; empty means the units are clean. */
  output: string;
  /** Dependencies that nobody provided, so stub units stood in for them (a misspelt name lands here). */
  stubbedUnits: string[];
  /** Absolute commands from Exec*= lines, stubbed with an empty executable script. */
  stubbedExecutables: string[];
}

export const stubRootPrefix = "kubescratch-systemd-";

const systemUnitDirectory = "/usr/lib/systemd/system";
const stubServiceCommand = "/usr/libexec/kubescratch-verify/stub";
const execKeys = new Set([
  "ExecCondition",
  "ExecStartPre",
  "ExecStart",
  "ExecStartPost",
  "ExecReload",
  "ExecStop",
  "ExecStopPost",
]);
const dependencyKeys = new Set(["Requires", "Requisite", "Wants", "BindsTo", "PartOf", "After", "Before"]);
// Device, slice and scope units exist without unit files; a file for one would itself be an error.
const unitsWithoutFiles = /\.(device|slice|scope)$/;

/**
 * Verifies `units` with `systemd-analyze verify --root=<stub root> --man=no`. `extraUnitFiles` are
 * installed next to them (real dependencies, say) but not verified themselves.
 */
export function verifyUnits(units: UnitFile[], extraUnitFiles: UnitFile[] = []): UnitVerification {
  const scratch = mkdtempSync(join(tmpdir(), stubRootPrefix));
  const root = join(scratch, "root");
  try {
    mkdirSync(join(root, dirname(systemUnitDirectory)), { recursive: true });
    cpSync(systemUnitDirectory, join(root, systemUnitDirectory), { recursive: true, verbatimSymlinks: true });
    const unitDirectory = join(root, "etc/systemd/system");
    const allUnits = [...units, ...extraUnitFiles];
    for (const unit of allUnits) writeFile(join(unitDirectory, unit.name), unit.content);

    const references = allUnits.map((unit) => unitReferences(unit.content));
    const stubbedExecutables = unique(references.flatMap((each) => each.executables));
    for (const path of stubbedExecutables) writeExecutableStub(join(root, path));
    for (const path of unique(references.flatMap((each) => each.environmentFiles))) {
      if (!existsSync(join(root, path))) writeFile(join(root, path), "");
    }

    const stubbedUnits = unique(references.flatMap((each) => each.dependencies)).filter(
      (name) => !unitsWithoutFiles.test(name) && !unitExists(root, name),
    );
    for (const name of stubbedUnits) writeFile(join(unitDirectory, name), stubUnit(name));
    if (stubbedUnits.some((name) => name.endsWith(".service")))
      writeExecutableStub(join(root, stubServiceCommand));

    const names = units.map((unit) => unit.name).filter((name) => !name.includes("/"));
    const result = spawnSync("systemd-analyze", ["verify", `--root=${root}`, "--man=no", ...names], {
      encoding: "utf8",
      env: { ...process.env, SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "" },
    });
    if (result.error) throw new Error(`systemd-analyze did not run: ${result.error.message}`);
    const output = `${result.stdout}${result.stderr}`.split(root).join("").trim();
    return { status: result.status ?? -1, output, stubbedUnits, stubbedExecutables };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface UnitReferences {
  executables: string[];
  environmentFiles: string[];
  dependencies: string[];
}

function unitReferences(content: string): UnitReferences {
  const references: UnitReferences = { executables: [], environmentFiles: [], dependencies: [] };
  for (const line of logicalLines(content)) {
    const match = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key = "", value = ""] = match;
    // Specifiers (%i, %h) expand at run time; their paths cannot be known here.
    if (value.includes("%")) continue;
    if (execKeys.has(key)) {
      // Prefixes: "-" ignore failure, "@" own argv[0], ":" no substitution, "+" "!" "!!" privileges,
      // "|" login shell (systemd 253+).
      const command = value.replace(/^[-@:+!|]+/, "").split(/\s+/)[0] ?? "";
      if (command.startsWith("/")) references.executables.push(command);
    } else if (key === "EnvironmentFile") {
      // A leading "-" makes the file optional; a required one must exist for the unit to start.
      if (value.startsWith("/")) references.environmentFiles.push(value.trim());
    } else if (dependencyKeys.has(key)) {
      references.dependencies.push(...value.split(/\s+/).filter((name) => name !== ""));
    }
  }
  return references;
}

/** Unit file lines with comments dropped and "\"-continuations joined, as systemd reads them. */
function logicalLines(content: string): string[] {
  const lines: string[] = [];
  let pending = "";
  for (const raw of content.split("\n")) {
    const line = raw.trim();
    // Comment lines are skipped even in the middle of a continuation, as systemd does.
    if (line.startsWith("#") || line.startsWith(";")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = "";
  }
  if (pending !== "") lines.push(pending);
  return lines;
}

function unitExists(root: string, name: string): boolean {
  const template = name.replace(/@[^.]+\./, "@.");
  return ["etc/systemd/system", systemUnitDirectory].some(
    (directory) => existsSync(join(root, directory, name)) || existsSync(join(root, directory, template)),
  );
}

function stubUnit(name: string): string {
  const unit = "[Unit]\nDescription=Stub standing in for a dependency during verification\n";
  if (name.endsWith(".service")) return `${unit}\n[Service]\nType=oneshot\nExecStart=${stubServiceCommand}\n`;
  if (name.endsWith(".socket")) return `${unit}\n[Socket]\nListenStream=/run/kubescratch-verify/${name}\n`;
  if (name.endsWith(".mount")) return `${unit}\n[Mount]\nWhat=tmpfs\nWhere=${mountPoint(name)}\nType=tmpfs\n`;
  return unit;
}

/** The path a mount unit's name stands for: "var-lib-kubelet.mount" is /var/lib/kubelet. */
function mountPoint(name: string): string {
  const escaped = name.replace(/\.mount$/, "");
  if (escaped === "-") return "/";
  const segments = escaped
    .split("-")
    .map((segment) =>
      segment.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    );
  return `/${segments.join("/")}`;
}

function writeExecutableStub(path: string): void {
  writeFile(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, 0o755);
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
