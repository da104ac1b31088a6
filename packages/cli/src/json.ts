// The --json output of every command: one JSON document on stdout, whatever happens; stderr stays the
// human channel (the same problems as lines, progress). The shapes are documented in README.md ("The
// CLI", --json) and pinned by packages/cli/test/json.test.ts.
import { SpecError, type SpecIssue } from "@kubescratch/core";
import type { Io } from "./io.js";

/**
 * A problem or warning as an object: the SpecIssue's own fields, not a re-parsed line. `file`,
 * `line` and `column` are null when unknown (e.g. a problem with the state file as a whole).
 */
export interface IssueJson {
  readonly severity: "error" | "warning";
  /** JSON pointer (RFC 6901) of the field; "" is the whole document. */
  readonly pointer: string;
  readonly message: string;
  readonly fix: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
}

export function issueJson(issue: SpecIssue, fileName: string | undefined): IssueJson {
  return {
    severity: issue.severity,
    pointer: issue.pointer,
    message: issue.message,
    fix: issue.fix,
    file: fileName ?? null,
    line: issue.line ?? null,
    column: issue.column ?? null,
  };
}

export function issuesJson(issues: readonly SpecIssue[], fileName: string | undefined): IssueJson[] {
  return issues.map((issue) => issueJson(issue, fileName));
}

/** What went wrong, by exit code: 1 invalid-spec, 2 usage, 3 failure or internal. */
export type ErrorKind = "invalid-spec" | "usage" | "failure" | "internal";

/** The document of a command that failed (exit 1, 2 or 3). Success documents have no `error`. */
export interface ErrorDocument {
  readonly error: {
    readonly kind: ErrorKind;
    readonly exitCode: number;
    /** The one line printed on stderr (for invalid-spec: the count of errors). */
    readonly message: string;
    /** The spec's problems (invalid-spec only; empty otherwise). */
    readonly issues: readonly IssueJson[];
  };
  /** Warnings known when it failed (a SpecError carries the spec's). */
  readonly warnings: readonly IssueJson[];
}

export function errorDocument(
  kind: ErrorKind,
  exitCode: number,
  message: string,
  caught?: unknown,
): ErrorDocument {
  const spec = caught instanceof SpecError ? caught : undefined;
  return {
    error: { kind, exitCode, message, issues: spec ? issuesJson(spec.issues, spec.fileName) : [] },
    warnings: spec ? issuesJson(spec.warnings, spec.fileName) : [],
  };
}

/** Prints a document: two-space indentation, one trailing newline. */
export function printJson(io: Io, document: unknown): void {
  io.out(`${JSON.stringify(document, null, 2)}\n`);
}

/** Whether the command line asks for --json (options end at "--"). */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).includes("--json");
}
