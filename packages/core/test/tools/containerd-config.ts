// containerd's own reading of a config.toml (verification.md §7): `containerd --config FILE config
// dump` prints the configuration containerd ended up with. It rejects bad TOML and wrong types, but
// silently drops keys and sections it does not know (`snapshoter`, `[grpcc]`) and silently rewrites
// some values (`version = 3` becomes 2 on containerd 1.6). So the input is compared with the dump:
// every key or table of the input must survive, with the same value.
//
// No TOML library is available to the tests, hence the small reader at the bottom: it knows enough
// TOML (tables, arrays of tables, dotted and quoted keys, all string forms, arrays, inline tables) to
// list key paths and normalised scalar values; containerd remains the judge of syntax.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ContainerdConfigCheck {
  /** containerd's exit status: 1 for most errors, 2 when its TOML parser panics (e.g. `a = [1,,2]`). */
  status: number;
  /** The configuration containerd would run with (empty when it failed). */
  dump: string;
  /** First line of containerd's complaint when status is not 0. */
  error: string | undefined;
  /** Warnings containerd printed on an accepted file (e.g. "version `1` has been deprecated"). */
  warnings: string[];
  /** Keys (`a.b.key`) and tables (`[a.b]`) of the input missing from the dump, outermost only. */
  droppedKeys: string[];
  /** Keys whose value in the dump differs from the input's. */
  changedValues: { key: string; input: string; dump: string }[];
}

export function checkContainerdConfig(toml: string): ContainerdConfigCheck {
  const scratch = mkdtempSync(join(tmpdir(), "kubescratch-containerd-"));
  try {
    const file = join(scratch, "config.toml");
    writeFileSync(file, toml);
    const result = spawnSync("containerd", ["--config", file, "config", "dump"], { encoding: "utf8" });
    if (result.error)
      throw new Error(`containerd did not run (apt-get install containerd): ${result.error.message}`);
    const status = result.status ?? -1;
    const messages = result.stderr.split("\n").filter((line) => line.trim() !== "");
    if (status !== 0) {
      return { status, dump: "", error: messages[0], warnings: [], droppedKeys: [], changedValues: [] };
    }
    const warnings = messages.filter((line) => line.includes("level=warning"));
    return { status, dump: result.stdout, error: undefined, warnings, ...compare(toml, result.stdout) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function compare(input: string, dump: string): Pick<ContainerdConfigCheck, "droppedKeys" | "changedValues"> {
  const dumped = new Map<string, TomlEntry>();
  const dumpedPrefixes = new Set<string>();
  for (const entry of readToml(dump, "the dump")) {
    dumped.set(formatPath(entry.path), entry);
    for (let length = 1; length <= entry.path.length; length++) {
      dumpedPrefixes.add(formatPath(entry.path.slice(0, length)));
    }
  }
  const dropped: TomlEntry[] = [];
  const changedValues: ContainerdConfigCheck["changedValues"] = [];
  for (const entry of readToml(input, "the input")) {
    const key = formatPath(entry.path);
    if (!dumpedPrefixes.has(key)) {
      // Under a dropped table everything is dropped too; the table says it all.
      const insideDropped = dropped.some((outer) =>
        outer.path.every((segment, index) => entry.path[index] === segment),
      );
      if (!insideDropped) dropped.push(entry);
      continue;
    }
    const counterpart = dumped.get(key);
    if (entry.value !== undefined && counterpart?.value !== undefined && counterpart.value !== entry.value) {
      changedValues.push({ key, input: entry.value, dump: counterpart.value });
    }
  }
  const droppedKeys = dropped.map((entry) =>
    entry.kind === "table" ? `[${formatPath(entry.path)}]` : formatPath(entry.path),
  );
  return { droppedKeys, changedValues };
}

// ---------------------------------------------------------------------------------------------
// TOML reader: key paths and normalised values, nothing more.

interface TomlEntry {
  path: string[];
  kind: "table" | "key";
  /** Normalised scalar or array of scalars; undefined for tables and inline tables. */
  value?: string;
}

function formatPath(path: string[]): string {
  return path
    .map((segment) => (/^[A-Za-z0-9_-]+$/.test(segment) ? segment : JSON.stringify(segment)))
    .join(".");
}

function readToml(text: string, what: string): TomlEntry[] {
  const entries: TomlEntry[] = [];
  let position = 0;

  const fail = (message: string): never => {
    const line = text.slice(0, position).split("\n").length;
    throw new Error(`The TOML reader of this harness could not read ${what} (line ${line}): ${message}`);
  };
  const peek = (token: string): boolean => text.startsWith(token, position);
  const expect = (token: string): void => {
    if (!peek(token)) fail(`expected ${token}`);
    position += token.length;
  };
  const skipSpaces = (): void => {
    while (text[position] === " " || text[position] === "\t") position++;
  };
  const skipComment = (): void => {
    if (text[position] === "#") while (position < text.length && text[position] !== "\n") position++;
  };
  /** Spaces, comments and line breaks: what may separate entries and array elements. */
  const skipBlank = (): void => {
    for (;;) {
      skipSpaces();
      skipComment();
      if (text[position] === "\n" || text[position] === "\r") position++;
      else return;
    }
  };
  const endOfLine = (): void => {
    skipSpaces();
    skipComment();
    if (peek("\r\n")) position += 2;
    else if (position < text.length) expect("\n");
  };

  const basicString = (quote: string): string => {
    position += quote.length;
    const multiLine = quote.length === 3;
    // A line break right after the opening """ is not part of the string.
    if (multiLine) position += /^\r?\n/.exec(text.slice(position))?.[0].length ?? 0;
    let decoded = "";
    while (!peek(quote)) {
      const character = text[position];
      if (character === undefined) return fail("unterminated string");
      if (character === "\n" && !multiLine) return fail("line break in a string");
      if (character !== "\\") {
        decoded += character;
        position++;
        continue;
      }
      const escape = text[position + 1] ?? "";
      const hexLength = escape === "u" ? 4 : escape === "U" ? 8 : escape === "x" ? 2 : 0;
      const simple = simpleEscapes[escape];
      if (simple !== undefined) {
        decoded += simple;
        position += 2;
      } else if (hexLength > 0) {
        const hex = text.slice(position + 2, position + 2 + hexLength);
        if (!new RegExp(`^[0-9A-Fa-f]{${hexLength}}$`).test(hex)) return fail(`bad \\${escape} escape`);
        decoded += String.fromCodePoint(parseInt(hex, 16));
        position += 2 + hexLength;
      } else if (multiLine && /^\\[ \t]*\r?\n/.test(text.slice(position))) {
        // A line-ending backslash folds the line break and the next line's leading blanks.
        position++;
        while (/[ \t\r\n]/.test(text[position] ?? "")) position++;
      } else {
        return fail(`bad escape \\${escape}`);
      }
    }
    position += quote.length;
    return decoded;
  };
  const literalString = (quote: string): string => {
    position += quote.length;
    const end = text.indexOf(quote, position);
    if (end < 0) fail("unterminated string");
    const value = text.slice(position, end);
    position = end + quote.length;
    return quote.length === 3 ? value.replace(/^\r?\n/, "") : value;
  };

  const simpleKey = (): string => {
    if (peek('"')) return basicString('"');
    if (peek("'")) return literalString("'");
    const bare = /^[A-Za-z0-9_-]+/.exec(text.slice(position))?.[0];
    if (!bare) fail("expected a key");
    position += (bare ?? "").length;
    return bare ?? "";
  };
  const dottedKey = (): string[] => {
    const segments: string[] = [];
    for (;;) {
      skipSpaces();
      segments.push(simpleKey());
      skipSpaces();
      if (!peek(".")) return segments;
      position++;
    }
  };

  /** Reads a value, records the keys of inline tables under `path`, and returns its normal form. */
  const value = (path: string[]): string | undefined => {
    skipSpaces();
    if (peek('"""')) return JSON.stringify(basicString('"""'));
    if (peek("'''")) return JSON.stringify(literalString("'''"));
    if (peek('"')) return JSON.stringify(basicString('"'));
    if (peek("'")) return JSON.stringify(literalString("'"));
    if (peek("[")) {
      position++;
      const elements: (string | undefined)[] = [];
      for (;;) {
        skipBlank();
        if (peek("]")) break;
        elements.push(value(path));
        skipBlank();
        if (peek(",")) position++;
        else if (!peek("]")) fail("expected , or ] in array");
      }
      position++;
      return elements.every((each) => each !== undefined) ? `[${elements.join(", ")}]` : undefined;
    }
    if (peek("{")) {
      position++;
      skipSpaces();
      while (!peek("}")) {
        const key = [...path, ...dottedKey()];
        expect("=");
        entries.push({ path: key, kind: "key", value: value(key) });
        skipSpaces();
        if (peek(",")) position++;
        else if (!peek("}")) fail("expected , or } in inline table");
        skipSpaces();
      }
      position++;
      return undefined;
    }
    const scalar = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}[^\s,\]}#]*|[^\s,\]}#]+)/.exec(text.slice(position))?.[0];
    if (!scalar) return fail("expected a value");
    position += scalar.length;
    return normaliseScalar(scalar);
  };

  let table: string[] = [];
  for (;;) {
    skipBlank();
    if (position >= text.length) return entries;
    if (peek("[[") || peek("[")) {
      const close = peek("[[") ? "]]" : "]";
      position += close.length;
      table = dottedKey();
      expect(close);
      entries.push({ path: table, kind: "table" });
    } else {
      const key = [...table, ...dottedKey()];
      expect("=");
      entries.push({ path: key, kind: "key", value: value(key) });
    }
    endOfLine();
  }
}

const simpleEscapes: Readonly<Record<string, string>> = {
  b: "\b",
  t: "\t",
  n: "\n",
  f: "\f",
  r: "\r",
  e: "\u001b",
  '"': '"',
  "\\": "\\",
};

/** Numbers in one spelling (1_000, 0x3e8 and 1000 are equal); booleans, dates and the rest as written. */
function normaliseScalar(scalar: string): string {
  const digits = scalar.replace(/_/g, "");
  if (/^[+-]?(0x[0-9a-fA-F]+|0o[0-7]+|0b[01]+)$/.test(digits))
    return String(Number(digits.replace(/^\+/, "")));
  if (/^[+-]?(\d+)(\.\d+)?([eE][+-]?\d+)?$/.test(digits)) return String(Number(digits));
  return scalar;
}
