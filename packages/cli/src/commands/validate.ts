import { formatIssue, resolveKubernetesVersion, SpecError } from "@kubescratch/core";
import { parseCommandArgs } from "../args.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { issuesJson, printJson, type IssueJson } from "../json.js";
import { printSpecError, readSpec } from "../spec-input.js";

export const validateHelp = `Usage: kubescratch validate SPEC [SPEC...] [--json]

Checks cluster specs (YAML or JSON; "-" reads standard input) against the schema and the semantic
rules: address plan, node roles, version compatibility. Prints every problem as
FILE:LINE:COL: /pointer: message Fix: how to fix it

Options:
  -q, --quiet   print nothing for valid specs (warnings still go to stderr)
  --json        print one report on stdout, whatever the outcome: {valid, invalid, unreadable,
                files: [{file, status, cluster, kubernetesVersion, nodes, errors, warnings, message}]}
  -h, --help    show this help

Every file is checked; with several, a last line counts those that failed.

Exit codes: 0 all valid, 1 a spec is invalid, 2 usage error, 3 unreadable file or other failure.
`;

/** One file's line in `validate --json` (README.md, "The CLI"). */
interface FileResult {
  readonly file: string;
  readonly status: "valid" | "invalid" | "unreadable";
  /** For a valid spec: its cluster name, full Kubernetes version and node count; null otherwise. */
  readonly cluster: string | null;
  readonly kubernetesVersion: string | null;
  readonly nodes: number | null;
  readonly errors: readonly IssueJson[];
  readonly warnings: readonly IssueJson[];
  /** Why an unreadable file could not be read; null otherwise. */
  readonly message: string | null;
}

function validateOne(io: Io, path: string, quiet: boolean): FileResult {
  const { spec, fileName } = readSpec(io, path);
  for (const warning of spec.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
  const version = resolveKubernetesVersion(spec.spec.kubernetesVersion)?.full ?? spec.spec.kubernetesVersion;
  if (!quiet)
    io.out(
      `${fileName}: valid (cluster "${spec.spec.name}", Kubernetes ${version}, ${spec.spec.nodes.length} nodes)\n`,
    );
  return {
    file: fileName,
    status: "valid",
    cluster: spec.spec.name,
    kubernetesVersion: version,
    nodes: spec.spec.nodes.length,
    errors: [],
    warnings: issuesJson(spec.warnings, fileName),
    message: null,
  };
}

function failedResult(file: string, status: "invalid" | "unreadable", caught: Error): FileResult {
  const spec = caught instanceof SpecError ? caught : undefined;
  return {
    file,
    status,
    cluster: null,
    kubernetesVersion: null,
    nodes: null,
    errors: spec ? issuesJson(spec.issues, spec.fileName) : [],
    warnings: spec ? issuesJson(spec.warnings, spec.fileName) : [],
    message: spec ? null : caught.message,
  };
}

export function validateCommand(io: Io, args: readonly string[]): ExitCode {
  const { values, positionals } = parseCommandArgs(args, {
    quiet: { type: "boolean", short: "q" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(validateHelp);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError("validate needs at least one SPEC file");
  // With --json, stdout holds the report alone: the valid lines are not printed.
  const quiet = values.quiet === true || values.json === true;
  // A single file's problems propagate as they do for every command; several files are all checked.
  if (positionals.length === 1 && !values.json) {
    validateOne(io, positionals[0] as string, quiet);
    return EXIT.ok;
  }
  const results: FileResult[] = [];
  for (const path of positionals) {
    try {
      results.push(validateOne(io, path, quiet));
    } catch (caught) {
      const file = path === "-" ? "<stdin>" : path;
      if (caught instanceof SpecError) {
        printSpecError(io, caught);
        results.push(failedResult(file, "invalid", caught));
      } else if (caught instanceof CommandFailure) {
        io.err(`kubescratch validate: ${caught.message}\n`);
        results.push(failedResult(file, "unreadable", caught));
      } else throw caught;
    }
  }
  const count = (status: FileResult["status"]) => results.filter((result) => result.status === status).length;
  const invalid = count("invalid");
  const unreadable = count("unreadable");
  const failed = invalid + unreadable;
  const code = unreadable > 0 ? EXIT.failure : failed > 0 ? EXIT.invalidSpec : EXIT.ok;
  if (values.json) printJson(io, { valid: count("valid"), invalid, unreadable, files: results });
  if (failed === 0) return code;
  if (positionals.length > 1)
    io.err(
      `${failed} of ${positionals.length} specs failed: ${[
        invalid > 0 ? `${invalid} invalid` : "",
        unreadable > 0 ? `${unreadable} unreadable` : "",
      ]
        .filter(Boolean)
        .join(", ")}.\n`,
    );
  else if (invalid > 0) {
    const issues = results[0]?.errors.length ?? 0;
    io.err(`${issues} ${issues === 1 ? "error" : "errors"}: the spec is invalid.\n`);
  }
  return code;
}
