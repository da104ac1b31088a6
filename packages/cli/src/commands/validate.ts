import { formatIssue, resolveKubernetesVersion, SpecError } from "@kubescratch/core";
import { parseCommandArgs } from "../args.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { printSpecError, readSpec } from "../spec-input.js";

export const validateHelp = `Usage: kubescratch validate SPEC [SPEC...]

Checks cluster specs (YAML or JSON; "-" reads standard input) against the schema and the semantic
rules: address plan, node roles, version compatibility. Prints every problem as
FILE:LINE:COL: /pointer: message Fix: how to fix it

Options:
  -q, --quiet   print nothing for valid specs (warnings still go to stderr)
  -h, --help    show this help

Every file is checked; with several, a last line counts those that failed.

Exit codes: 0 all valid, 1 a spec is invalid, 2 usage error, 3 unreadable file or other failure.
`;

function validateOne(io: Io, path: string, quiet: boolean): void {
  const { spec, fileName } = readSpec(io, path);
  for (const warning of spec.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
  if (quiet) return;
  const version = resolveKubernetesVersion(spec.spec.kubernetesVersion)?.full ?? spec.spec.kubernetesVersion;
  io.out(
    `${fileName}: valid (cluster "${spec.spec.name}", Kubernetes ${version}, ${spec.spec.nodes.length} nodes)\n`,
  );
}

export function validateCommand(io: Io, args: readonly string[]): ExitCode {
  const { values, positionals } = parseCommandArgs(args, {
    quiet: { type: "boolean", short: "q" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(validateHelp);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError("validate needs at least one SPEC file");
  // A single file's problems propagate as they do for every command; several files are all checked.
  if (positionals.length === 1) {
    validateOne(io, positionals[0] as string, values.quiet === true);
    return EXIT.ok;
  }
  let invalid = 0;
  let unreadable = 0;
  for (const path of positionals) {
    try {
      validateOne(io, path, values.quiet === true);
    } catch (caught) {
      if (caught instanceof SpecError) {
        invalid += 1;
        printSpecError(io, caught);
      } else if (caught instanceof CommandFailure) {
        unreadable += 1;
        io.err(`kubescratch validate: ${caught.message}\n`);
      } else throw caught;
    }
  }
  const failed = invalid + unreadable;
  if (failed === 0) return EXIT.ok;
  io.err(
    `${failed} of ${positionals.length} specs failed: ${[
      invalid > 0 ? `${invalid} invalid` : "",
      unreadable > 0 ? `${unreadable} unreadable` : "",
    ]
      .filter(Boolean)
      .join(", ")}.\n`,
  );
  return unreadable > 0 ? EXIT.failure : EXIT.invalidSpec;
}
