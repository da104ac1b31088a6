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

/** C0 and C1 controls, DEL and the Unicode line and paragraph separators: what breaks a line. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, "g");
const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Control characters (line breaks among them) as escapes: a problem always prints as one line. */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (character) => SHORT_ESCAPES[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `FILE:LINE:COL: /pointer: message Fix: fix` — the form editors and CI logs understand. */
export function formatIssue(issue: SpecIssue, fileName?: string): string {
  const location = [fileName, issue.line, issue.column].filter((part) => part !== undefined).join(":");
  const prefix = location === "" ? "" : `${location}: `;
  const severity = issue.severity === "warning" ? "warning: " : "";
  return escapeControlCharacters(
    `${prefix}${severity}${issue.pointer === "" ? "/" : issue.pointer}: ${issue.message} Fix: ${issue.fix}`,
  );
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
