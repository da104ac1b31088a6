// Spec text to plain data, bounded, with a position for every problem. YAML goes through js-yaml
// (duplicate keys refused); JSON through JSON.parse, with jsonc-parser finding where a syntax error
// or a repeated key is (JSON.parse keeps the last of two equal keys and often names no position).
// Limits keep a hostile file from costing more than a normal one: its size, how deep it nests, and
// how many values it expands to (YAML aliases can repeat an anchor that repeats another: a "billion
// laughs" of 20 lines holds 9^9 values).
import { printParseErrorCode, visit } from "jsonc-parser";
import { CORE_SCHEMA, load, YAMLException } from "js-yaml";
// Where the second document starts, for the "more than one document" error: js-yaml's load only says
// there is more than one, and its loadAll gives values without positions (see locate.ts for why its
// listener cannot stand in). `yaml` is the core's second YAML library for that reason, on error paths only.
import { parseAllDocuments } from "yaml";
import { pointerOf, type SpecIssue } from "./errors.js";

export const SPEC_LIMITS = {
  /** Characters of text: a 1,000-node spec is about 100,000. */
  characters: 4 * 1024 * 1024,
  /** Levels of nesting: the schema's deepest field is 5 levels down. */
  depth: 32,
  /** Values once aliases are expanded: a 1,000-node spec holds about 10,000. */
  values: 200_000,
} as const;

export type TextRead =
  { readonly ok: true; readonly document: unknown } | { readonly ok: false; readonly issues: SpecIssue[] };

const BYTE_ORDER_MARK = "\uFEFF";

/** Line and column (1-based) of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index += 1)
    if (text.charCodeAt(index) === 10) {
      line += 1;
      lineStart = index + 1;
    }
  return { line, column: offset - lineStart + 1 };
}

function issueAt(
  text: string,
  offset: number | undefined,
  message: string,
  fix: string,
  pointer = "",
): SpecIssue {
  return {
    severity: "error",
    pointer,
    message,
    fix,
    ...(offset === undefined ? {} : positionOf(text, offset)),
  };
}

/** The text without a leading byte-order mark (editors on Windows write one; YAML allows it). */
export function withoutByteOrderMark(text: string): string {
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
}

export function readSpecText(rawText: string, format: "yaml" | "json"): TextRead {
  const text = withoutByteOrderMark(rawText);
  if (text.length > SPEC_LIMITS.characters)
    return {
      ok: false,
      issues: [
        issueAt(
          text,
          undefined,
          `the spec is ${text.length} characters long; a spec may hold at most ${SPEC_LIMITS.characters}.`,
          "Pass the cluster spec itself; node lists of thousands of machines fit well within the limit.",
        ),
      ],
    };
  const parsed = format === "json" ? readJson(text) : readYaml(text);
  if (!parsed.ok) return parsed;
  const bounds = documentBoundsIssue(parsed.document);
  return bounds ? { ok: false, issues: [bounds] } : parsed;
}

function readYaml(text: string): TextRead {
  try {
    return { ok: true, document: load(text, { schema: CORE_SCHEMA }) };
  } catch (caught) {
    if (caught instanceof RangeError) return { ok: false, issues: [tooDeep(text)] };
    if (!(caught instanceof YAMLException)) throw caught;
    const fix = "Fix the YAML syntax at the position shown (indentation, quotes, duplicate keys).";
    if (/single document/.test(caught.reason)) {
      const second = parseAllDocuments(text);
      const documents = Array.isArray(second) ? second : [];
      return {
        ok: false,
        issues: [
          issueAt(
            text,
            documents[1]?.range[0],
            'the text holds more than one YAML document (a line "---" starts another); a spec is one document.',
            'Keep one cluster per file: remove the "---" line and what follows, or move it to a file of its own.',
          ),
        ],
      };
    }
    // js-yaml's own line and column stop counting at a NUL byte; its character offset does not.
    const position = (caught.mark as { position?: number } | undefined)?.position;
    // The errors js-yaml gives a line after a `key:value` (a plain word running on into the next line).
    const missingSpace =
      position !== undefined && /implicit key|block mapping entry|end of the stream/.test(caught.reason)
        ? keyWithoutSpace(text, position)
        : undefined;
    if (missingSpace)
      return {
        ok: false,
        issues: [
          issueAt(
            text,
            missingSpace.offset,
            `"${missingSpace.written}" is one word to YAML, not a key and its value: a colon needs a space after it.`,
            `Write "${missingSpace.fixed}".`,
          ),
        ],
      };
    return {
      ok: false,
      issues: [issueAt(text, position, `the text is not valid YAML: ${caught.reason}.`, fix)],
    };
  }
}

/** `key:value` with no space after the colon: YAML reads it as one plain word. */
const KEY_WITHOUT_SPACE = /^(\s*(?:- )?)([A-Za-z][A-Za-z0-9_.-]*):([^\s:/][^\s#]*)\s*$/;

/**
 * The line at or just before a YAML error that holds `key:value`: the usual cause of a "multiline
 * key" or "block mapping" error reported a line later, where js-yaml noticed.
 */
function keyWithoutSpace(
  text: string,
  errorOffset: number,
): { offset: number; written: string; fixed: string } | undefined {
  const errorLine = positionOf(text, errorOffset).line;
  const lines = text.split("\n");
  for (let line = errorLine; line >= Math.max(1, errorLine - 2); line -= 1) {
    const match = KEY_WITHOUT_SPACE.exec(lines[line - 1] ?? "");
    if (!match) continue;
    const [, indent = "", key = "", value = ""] = match;
    const lineStart = lines.slice(0, line - 1).reduce((sum, entry) => sum + entry.length + 1, 0);
    return { offset: lineStart + indent.length, written: `${key}:${value}`, fixed: `${key}: ${value}` };
  }
  return undefined;
}

function tooDeep(text: string, offset?: number): SpecIssue {
  return issueAt(
    text,
    offset,
    `the spec nests deeper than ${SPEC_LIMITS.depth} levels.`,
    "Write the spec as the reference shows: its deepest field is a few levels down.",
  );
}

const JSON_PROBLEMS: Partial<Record<ReturnType<typeof printParseErrorCode>, string>> = {
  InvalidSymbol: "a character that cannot start a JSON value",
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: 'a property name in double quotes was expected (no trailing comma before "}")',
  ValueExpected: 'a value was expected (no trailing comma before "]")',
  ColonExpected: 'a ":" was expected after the property name',
  CommaExpected: 'a "," was expected between two entries',
  CloseBraceExpected: 'a "}" was expected to close the object',
  CloseBracketExpected: 'a "]" was expected to close the list',
  EndOfFileExpected: "the text goes on after the JSON value ended",
  InvalidCommentToken: "JSON has no comments",
  UnexpectedEndOfComment: "JSON has no comments",
  UnexpectedEndOfString: "a string is not closed",
  UnexpectedEndOfNumber: "a number is cut off",
  InvalidUnicode: "a \\u escape is not four hexadecimal digits",
  InvalidEscapeCharacter: "an unknown escape after a backslash",
  InvalidCharacter: "a control character inside a string (write it as an escape such as \\n)",
};

class NestedTooDeep extends Error {
  constructor(readonly offset: number) {
    super("nested too deep");
  }
}

function readJson(text: string): TextRead {
  const issues: SpecIssue[] = [];
  const keysSeen: Set<string>[] = [];
  let depth = 0;
  try {
    visit(
      text,
      {
        onObjectBegin: (offset) => {
          keysSeen.push(new Set());
          depth += 1;
          if (depth > SPEC_LIMITS.depth) throw new NestedTooDeep(offset);
        },
        onObjectEnd: () => {
          keysSeen.pop();
          depth -= 1;
        },
        onArrayBegin: (offset) => {
          depth += 1;
          if (depth > SPEC_LIMITS.depth) throw new NestedTooDeep(offset);
        },
        onArrayEnd: () => {
          depth -= 1;
        },
        onObjectProperty: (property, offset, _length, _line, _column, pathSupplier) => {
          const seen = keysSeen[keysSeen.length - 1];
          if (!seen) return;
          if (seen.has(property))
            issues.push(
              issueAt(
                text,
                offset,
                `the key ${JSON.stringify(property)} appears twice in one object; JSON readers keep only the last.`,
                "Keep one of the two entries.",
                pointerOf(...pathSupplier(), property),
              ),
            );
          seen.add(property);
        },
        onError: (error, offset) => {
          if (issues.some((issue) => issue.message.startsWith("the text is not valid JSON"))) return;
          const name = printParseErrorCode(error);
          issues.push(
            issueAt(
              text,
              offset,
              `the text is not valid JSON: ${JSON_PROBLEMS[name] ?? name}.`,
              "Fix the JSON syntax at the position shown, or pass the spec as YAML.",
            ),
          );
        },
      },
      { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
    );
  } catch (caught) {
    // Stopped at the first level too deep, before the recursive reader can run out of stack.
    if (caught instanceof NestedTooDeep) return { ok: false, issues: [tooDeep(text, caught.offset)] };
    throw caught;
  }
  if (issues.length > 0) return { ok: false, issues };
  try {
    return { ok: true, document: JSON.parse(text) as unknown };
  } catch (caught) {
    // jsonc-parser found no fault, so this is the rare text only JSON.parse refuses.
    const message = (caught instanceof Error ? caught.message : String(caught)).replace(/\s+/g, " ");
    return {
      ok: false,
      issues: [issueAt(text, undefined, `the text is not valid JSON: ${message}.`, "Fix the JSON syntax.")],
    };
  }
}

/**
 * How many values a document holds once its aliases are expanded, and whether it nests deeper than
 * the limit; a shared value (an alias) is counted once per place it appears, but measured once.
 */
export function documentBoundsIssue(document: unknown): SpecIssue | undefined {
  const sizes = new WeakMap<object, number>();
  const open = new Set<object>();
  let problem: "cycle" | "depth" | undefined;
  const measure = (value: unknown, depth: number): number => {
    if (value === null || typeof value !== "object" || problem) return 1;
    const known = sizes.get(value);
    if (known !== undefined) return known;
    if (open.has(value)) problem = "cycle";
    else if (depth > SPEC_LIMITS.depth) problem = "depth";
    if (problem) return 1;
    open.add(value);
    let size = 1;
    for (const child of Object.values(value as Record<string, unknown>)) size += measure(child, depth + 1);
    open.delete(value);
    sizes.set(value, size);
    return size;
  };
  const total = measure(document, 0);
  if (problem === "cycle")
    return {
      severity: "error",
      pointer: "",
      message: "the spec is not plain JSON data (it holds cycles).",
      fix: "Pass an object made of strings, numbers, booleans, arrays and plain objects.",
    };
  if (problem === "depth")
    return {
      severity: "error",
      pointer: "",
      message: `the spec nests deeper than ${SPEC_LIMITS.depth} levels.`,
      fix: "Write the spec as the reference shows: its deepest field is a few levels down.",
    };
  if (total <= SPEC_LIMITS.values) return undefined;
  // The biggest top-level entry is where the aliases multiply.
  let pointer = "";
  if (document !== null && typeof document === "object") {
    let biggest = 0;
    for (const [key, child] of Object.entries(document as Record<string, unknown>)) {
      const size = measure(child, 1);
      if (size > biggest) {
        biggest = size;
        pointer = pointerOf(key);
      }
    }
  }
  return {
    severity: "error",
    pointer,
    message: `the spec expands to ${total} values once its YAML aliases are followed; a spec may hold at most ${SPEC_LIMITS.values}.`,
    fix: "Write the values out, or use aliases that do not repeat other aliases many times over.",
  };
}
