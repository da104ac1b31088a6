import { formatIssue, resolveKubernetesVersion } from "@kubescratch/core";
import { parseCommandArgs } from "../args.js";
import { EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { readSpec } from "../spec-input.js";

export const validateHelp = `Usage: kubescratch validate SPEC [SPEC...]

Checks cluster specs (YAML or JSON; "-" reads standard input) against the schema and the semantic
rules: address plan, node roles, version compatibility. Prints every problem as
FILE:LINE:COL: /pointer: message Fix: how to fix it

Options:
  -q, --quiet   print nothing for valid specs (warnings still go to stderr)
  -h, --help    show this help

Exit codes: 0 all valid, 1 a spec is invalid, 2 usage error, 3 unreadable file or other failure.
`;

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
  for (const path of positionals) {
    const { spec, fileName } = readSpec(io, path);
    for (const warning of spec.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
    if (!values.quiet) {
      const version =
        resolveKubernetesVersion(spec.spec.kubernetesVersion)?.full ?? spec.spec.kubernetesVersion;
      io.out(
        `${fileName}: valid (cluster "${spec.spec.name}", Kubernetes ${version}, ${spec.spec.nodes.length} nodes)\n`,
      );
    }
  }
  return EXIT.ok;
}
