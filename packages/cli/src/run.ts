// The kubescratch command line: dispatch, error reporting and exit codes. Only this package touches
// files, the terminal and the process; the core gets text in and returns data.
import { SpecError, formatIssue } from "@kubescratch/core";
import { generateCommand, generateHelp } from "./commands/generate.js";
import { initCommand, initHelp } from "./commands/init.js";
import { planCommand, planHelp } from "./commands/plan.js";
import { rehearseCommand, rehearseHelp } from "./commands/rehearse.js";
import { siteCommand, siteHelp } from "./commands/site.js";
import { validateCommand, validateHelp } from "./commands/validate.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

export { EXIT, type ExitCode } from "./exit-codes.js";
export { nodeIo, type Io } from "./io.js";

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

Run \`kubescratch COMMAND --help\` for a command's options.
Exit codes: 0 ok, 1 invalid spec, 2 usage error, 3 anything else, 4 a rehearsal check failed.
`;

export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.err : io.out)(mainHelp);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`kubescratch: unknown command "${name}"\n\n${mainHelp}`);
    return EXIT.usage;
  }
  try {
    return await command.run(io, args);
  } catch (caught) {
    if (caught instanceof SpecError) {
      for (const issue of caught.issues) io.err(`${formatIssue(issue, caught.fileName)}\n`);
      for (const warning of caught.warnings) io.err(`${formatIssue(warning, caught.fileName)}\n`);
      io.err(
        `${caught.issues.length} ${caught.issues.length === 1 ? "error" : "errors"}: the spec is invalid.\n`,
      );
      return EXIT.invalidSpec;
    }
    if (caught instanceof UsageError) {
      io.err(`kubescratch ${name}: ${caught.message}\n\n${command.help}`);
      return EXIT.usage;
    }
    if (caught instanceof CommandFailure) {
      io.err(`kubescratch ${name}: ${caught.message}\n`);
      return EXIT.failure;
    }
    const detail = caught instanceof Error ? caught.message : String(caught);
    io.err(
      `kubescratch ${name}: internal error: ${detail}\nPlease report this with the spec that caused it.\n`,
    );
    return EXIT.failure;
  }
}
