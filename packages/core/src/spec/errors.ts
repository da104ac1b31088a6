/** One problem found in a cluster spec. */
export interface SpecIssue {
  readonly severity: "error" | "warning";
  /** JSON pointer (RFC 6901) of the offending field; "" is the whole document. */
  readonly pointer: string;
  /** What is wrong, as a sentence. */
  readonly message: string;
  /** How to fix it, as a sentence. */
  readonly fix: string;
  /** 1-based line and column in the source text, when the spec came from text. */
  readonly line?: number;
  readonly column?: number;
}

/** Every error of a spec at once; thrown by the parse functions. Warnings travel along. */
export class SpecError extends Error {
  readonly issues: readonly SpecIssue[];
  readonly warnings: readonly SpecIssue[];
  /** The file name given to the parse function, for printing locations. */
  readonly fileName: string | undefined;

  constructor(issues: readonly SpecIssue[], warnings: readonly SpecIssue[] = [], fileName?: string) {
    const lines = issues.map((issue) => formatIssue(issue, fileName));
    super(
      `invalid cluster spec (${issues.length} ${issues.length === 1 ? "error" : "errors"}):\n${lines.join("\n")}`,
    );
    this.name = "SpecError";
    this.issues = issues;
    this.warnings = warnings;
    this.fileName = fileName;
  }
}

/** `FILE:LINE:COL: /pointer: message Fix: fix` — the form editors and CI logs understand. */
export function formatIssue(issue: SpecIssue, fileName?: string): string {
  const location = [fileName, issue.line, issue.column].filter((part) => part !== undefined).join(":");
  const prefix = location === "" ? "" : `${location}: `;
  const severity = issue.severity === "warning" ? "warning: " : "";
  return `${prefix}${severity}${issue.pointer === "" ? "/" : issue.pointer}: ${issue.message} Fix: ${issue.fix}`;
}

/** Builds a JSON pointer from path segments, escaping "~" and "/". */
export function pointerOf(...segments: readonly (string | number)[]): string {
  return segments.map((segment) => "/" + String(segment).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** Splits a JSON pointer into its segments. */
export function segmentsOf(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
}
