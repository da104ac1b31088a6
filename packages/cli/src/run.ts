// The kubescratch command line: dispatch, error reporting and exit codes. Only this package touches
// files, the terminal and the process; the core gets text in and returns data.
import { readFileSync } from "node:fs";
import {
  DEFAULT_KUBERNETES_VERSION,
  RELEASE_LINES,
  SpecError,
  resolveKubernetesVersion,
} from "@kubescratch/core";
import { closestName } from "./args.js";
import { printSpecError } from "./spec-input.js";
import { generateCommand, generateHelp } from "./commands/generate.js";
import { initCommand, initHelp } from "./commands/init.js";
import { planCommand, planHelp } from "./commands/plan.js";
import { rehearseCommand, rehearseHelp } from "./commands/rehearse.js";
import { siteCommand, siteHelp } from "./commands/site.js";
import { validateCommand, validateHelp } from "./commands/validate.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";
import { errorDocument, printJson, wantsJson, type ErrorKind } from "./json.js";

export { EXIT, type ExitCode } from "./exit-codes.js";
export { nodeIo, type Io } from "./io.js";
export type { ErrorDocument, IssueJson } from "./json.js";

interface Command {
  readonly summary: string;
  readonly help: string;
  readonly run: (io: Io, args: readonly string[]) => ExitCode | Promise<ExitCode>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  init: { summary: "write a commented starter spec", help: initHelp, run: initCommand },
  validate: { summary: "check specs and print every problem", help: validateHelp, run: validateCommand },
  plan: { summary: "print the address plan of a spec", help: planHelp, run: planCommand },
  generate: {
    summary: "write every node's bundle, the admin bundle, the plan and the state",
    help: generateHelp,
    run: generateCommand,
  },
  site: {
    summary: "write the review site: every generated file, explained, as static HTML",
    help: siteHelp,
    run: siteCommand,
  },
  rehearse: {
    summary: "boot the generated cluster on this Linux host with real binaries, and check it",
    help: rehearseHelp,
    run: rehearseCommand,
  },
};

export const mainHelp = `Usage: kubescratch COMMAND [options]

Turns one validated cluster spec into everything needed to build Kubernetes by hand.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)}${command.summary}`)
  .join("\n")}

Run \`kubescratch help COMMAND\` (or COMMAND --help) for a command's options, \`kubescratch --version\`
for the version. Every command takes --json: stdout is then one JSON document, even on failure.
Exit codes: 0 ok, 1 invalid spec, 2 usage error, 3 anything else, 4 a rehearsal check failed.
`;

function unknownCommand(name: string): string {
  const suggestion = closestName(name, Object.keys(COMMANDS));
  return `unknown command "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ""}`;
}

/** This command's version and the Kubernetes releases it writes for. */
function versionText(): string {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const lines = (era: string) => RELEASE_LINES.filter((line) => line.era === era).map((line) => line.minor);
  const current = lines("current");
  return [
    `kubescratch ${version}`,
    `Kubernetes: ${current[0] ?? ""} to ${current[current.length - 1] ?? ""} (default ${resolveKubernetesVersion(DEFAULT_KUBERNETES_VERSION)?.full ?? DEFAULT_KUBERNETES_VERSION}), and the from-scratch guide's ${lines("legacy").join(" and ")}`,
    "",
  ].join("\n");
}

export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    io.out(versionText());
    return EXIT.ok;
  }
  if (name === "help" && args[0] !== undefined) {
    const helped = COMMANDS[args[0]];
    if (helped) {
      io.out(helped.help);
      return EXIT.ok;
    }
    io.err(`kubescratch help: ${unknownCommand(args[0])}\n\n${mainHelp}`);
    return EXIT.usage;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(mainHelp);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  const json = wantsJson(args);
  if (!command) {
    io.err(`kubescratch: ${unknownCommand(name)}\n\n${mainHelp}`);
    if (json) printJson(io, errorDocument("usage", EXIT.usage, unknownCommand(name)));
    return EXIT.usage;
  }
  // With --json, a failure is a document on stdout too (the same words stay on stderr).
  const fail = (kind: ErrorKind, code: ExitCode, message: string, caught: unknown): ExitCode => {
    if (json) printJson(io, errorDocument(kind, code, message, caught));
    return code;
  };
  try {
    return await command.run(io, args);
  } catch (caught) {
    if (caught instanceof SpecError) {
      printSpecError(io, caught);
      const count = `${caught.issues.length} ${caught.issues.length === 1 ? "error" : "errors"}: the spec is invalid.`;
      io.err(`${count}\n`);
      return fail("invalid-spec", EXIT.invalidSpec, count, caught);
    }
    if (caught instanceof UsageError) {
      io.err(`kubescratch ${name}: ${caught.message}\n\n${command.help}`);
      return fail("usage", EXIT.usage, caught.message, caught);
    }
    if (caught instanceof CommandFailure) {
      io.err(`kubescratch ${name}: ${caught.message}\n`);
      return fail("failure", EXIT.failure, caught.message, caught);
    }
    const detail = caught instanceof Error ? caught.message : String(caught);
    io.err(
      `kubescratch ${name}: internal error: ${detail}\nPlease report this with the spec that caused it.\n`,
    );
    return fail("internal", EXIT.failure, `internal error: ${detail}`, caught);
  }
}
