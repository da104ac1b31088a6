/** The CLI's exit codes; scripts and CI rely on them. */
export const EXIT = {
  ok: 0,
  /** The spec is invalid (every problem is printed). */
  invalidSpec: 1,
  /** The command line is wrong (unknown command or flag, missing argument). */
  usage: 2,
  /** Anything else: unreadable file, unwritable output, internal error. */
  failure: 3,
  /** rehearse: the cluster booted, but a check failed (the report says which). */
  checkFailed: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A problem with the command line; printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A problem outside the spec (I/O, environment); printed as one line, exit 3. */
export class CommandFailure extends Error {
  override readonly name = "CommandFailure";
}

/** The one line for an output that cannot be written; `shown` is the path as the user gave it. */
export function cannotWrite(shown: string, caught: unknown): CommandFailure {
  return new CommandFailure(
    `cannot write ${shown}: ${caught instanceof Error ? caught.message : String(caught)}`,
  );
}
