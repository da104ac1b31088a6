// Hostile values in every string field: each fixture's string leaves (and the keys of its string
// maps: node labels, cloud-config sections and settings) get control characters, quotes, "\n[Section]",
// "\nExecStart=", "$(...)", very long strings and stand-ins for non-UTF-8 bytes, both as the whole
// value and appended to the fixture's own value (many fields have patterns only an appended payload
// might pass). Either validation refuses the spec at that field's JSON pointer, or every generated
// file still reads back with a reader of its format, keeps the sections, keys and shape it had, and
// holds the value unchanged.
//
// Readers by format:
//   YAML (kubeconfigs, static pods, addons, KubeletConfiguration, ...)  js-yaml loadAll, plus
//     JSON.parse on the .json entries of ConfigMaps (flannel's net-conf.json, cni-conf.json)
//   JSON (CNI .conf/.conflist, legacy .json static pods)                 JSON.parse
//   TOML (containerd config.toml, hosts.toml)                            smol-toml
//   certificates and keys (PEM)                                          node:crypto
//   shell scripts and /etc/default files (sourced)                       bash -n / sh -n per shebang,
//     plus a small word reader of this file (quotes, escapes, heredocs) for the held-value check
//   gcfg cloud-config                                                    a strict reader of this file
//     after gcfg's own scanner (gopkg.in/gcfg.v1 scanner.go and read.go); no gcfg parser exists for Node
//   systemd units                                                        a strict line reader of this
//     file: every line a comment, a [Section] or Key=value, and exactly the unmutated unit's sections
//     and keys (systemd-analyze verify is far too slow for thousands of generations and needs every
//     binary the units name; packages/core/test/tools/systemd-verify.ts runs it on the fixtures)
//   credentials CSV (known_tokens.csv, basic_auth.csv)                   a reader with Go encoding/csv's
//     rules (what the apiserver uses); every row keeps its column count
//   the iptables-restore rules inside setup.sh's heredocs                each body line must be a table,
//     chain, rule, COMMIT or comment line, and the heredoc keeps its line count (iptables-restore
//     --test needs a network namespace of its own, which this test does not take)
//   the rest (sysctl.d, modules-load.d, rt_protos.d, logrotate, monit, apt.conf.d, haproxy.cfg,
//     keepalived.conf, pod-routes, images.txt)                           not parsed: the file keeps its
//     line count and holds no control character but tab (haproxy -c, monit -t and logrotate -d are
//     run on the fixtures by their own tests)
//
// Non-UTF-8 bytes cannot exist inside a JavaScript string: the CLI refuses a spec file that is not
// UTF-8 before parsing it (packages/cli/test/generate.test.ts). What can still arrive, through
// parseSpec or a YAML "\uD800" escape, are U+FFFD and lone surrogates, which UTF-8 cannot encode: a
// file holding one is written with U+FFFD instead, so it does not hold the value.
//
// Only generateCluster's artifacts are checked; the bundles' install.sh, validate.sh and MANIFEST.json
// (bundleCluster) are not.
import { spawnSync } from "node:child_process";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CORE_SCHEMA, load, loadAll } from "js-yaml";
import { parse as parseToml } from "smol-toml";
import {
  clusterSchema,
  generateCluster,
  parseSpec,
  SpecError,
  type Artifact,
  type ClusterSpec,
  type JsonSchema,
} from "../src/index.js";
import { fixtureFiles } from "./helpers.js";
import { FIXED_NOW, premadeKeys, seededRandom } from "./pki-helpers.js";

// ---------------------------------------------------------------------------------------------
// Payloads and fields

interface Payload {
  readonly name: string;
  readonly text: string;
}

const LONG = "a".repeat(5000);

const PAYLOADS: readonly Payload[] = [
  "\n[Section]",
  "\nExecStart=/bin/sh -c id",
  "$(id)",
  "`id`",
  "a'b\"c",
  "x;id",
  "#c",
  "a b",
  "\\",
  "%n",
  "\t",
  "\u0000",
  "\u007f",
  "\u2028",
  // Stand-ins for non-UTF-8 bytes (see the top of the file).
  "\uFFFD",
  "\uD800",
  LONG,
].map((text) => ({ name: text === LONG ? '"a" x 5000' : JSON.stringify(text), text }));

type Segment = string | number;

/** A string leaf of the input document, or a key of one of its string maps. */
interface Field {
  /** The leaf's path; for a key, the path of the entry the key names. */
  readonly path: readonly Segment[];
  readonly isKey: boolean;
  /** The fixture's value (or key). */
  readonly original: string;
}

function pointerOf(path: readonly Segment[]): string {
  return path.map((segment) => "/" + String(segment).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** The schema of a path's value, or undefined past what the schema describes. */
function schemaAt(path: readonly Segment[]): JsonSchema | undefined {
  let schema: JsonSchema | undefined = clusterSchema;
  for (const segment of path) {
    if (!schema) return undefined;
    if (typeof segment === "number") schema = schema.items;
    else {
      const additional: JsonSchema | undefined =
        typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
      schema = schema.properties?.[segment] ?? additional;
    }
  }
  return schema;
}

/** Keys of an object the schema describes as a map (additionalProperties), not as named properties. */
function isMapKey(parent: readonly Segment[], key: string): boolean {
  const schema = schemaAt(parent);
  return schema?.properties?.[key] === undefined && typeof schema?.additionalProperties === "object";
}

function stringFields(value: unknown, path: readonly Segment[] = []): Field[] {
  if (typeof value === "string") return [{ path, isKey: false, original: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringFields(item, [...path, index]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(isMapKey(path, key) ? [{ path: [...path, key], isKey: true, original: key }] : []),
      ...stringFields(item, [...path, key]),
    ]);
  }
  return [];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The document with the field set to `value` (a key renamed in place, keeping the entries' order). */
function mutated(document: Json, field: Field, value: string): Json {
  const replace = (node: Json, path: readonly Segment[]): Json => {
    const [head, ...rest] = path;
    if (head === undefined) return value;
    if (Array.isArray(node)) return node.map((item, index) => (index === head ? replace(item, rest) : item));
    const entries = Object.entries(node as Record<string, Json>);
    if (field.isKey && rest.length === 0) {
      return Object.fromEntries(entries.map(([key, item]) => [key === head ? value : key, item]));
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, key === head ? replace(item, rest) : item]));
  };
  return replace(document, field.path);
}

// ---------------------------------------------------------------------------------------------
// Readers

interface Reading {
  /** The strings the file's reader sees: values, keys, comments. */
  readonly strings: readonly string[];
  /** What no value may change: sections and keys, the shape of the data, row widths, line counts. */
  readonly structure: string;
}

/** Maps a renamed map key back to the fixture's, so that a renamed label keeps the file's shape. */
type Rename = (key: string) => string;

type Format = "yaml" | "json" | "toml" | "pem" | "shell" | "gcfg" | "systemd" | "csv" | "lines";

function formatOf(artifact: Artifact): Format {
  const { path, kind } = artifact;
  if (["certificate", "private-key", "public-key", "certificate-request"].includes(kind)) return "pem";
  if (kind === "systemd-unit") return "systemd";
  if (kind === "script" || path.startsWith("/etc/default/")) return "shell";
  if (kind === "credentials-csv") return "csv";
  if (path === "/etc/kubernetes/cloud-config") return "gcfg";
  if (path.endsWith(".json") || path.startsWith("/etc/cni/net.d/")) return "json";
  if (path.endsWith(".toml")) return "toml";
  if (/\.ya?ml$/.test(path) || ["kubeconfig", "static-pod", "kubernetes-manifest"].includes(kind))
    return "yaml";
  return "lines";
}

/** Keys and types of a parsed document, with every string replaced by its type. */
function shape(value: unknown, rename: Rename): unknown {
  if (Array.isArray(value)) return value.map((item) => shape(item, rename));
  if (value instanceof Date) return "date";
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .map(([key, item]) => [rename(key), shape(item, rename)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  return value === null ? "null" : typeof value;
}

function collectStrings(value: unknown, into: string[]): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      into.push(key);
      collectStrings(item, into);
    }
  }
  return into;
}

function readData(documents: unknown[], rename: Rename): Reading {
  return {
    strings: collectStrings(documents, []),
    structure: JSON.stringify(documents.map((document) => shape(document, rename))),
  };
}

/** YAML documents, with the JSON files that ConfigMaps carry parsed as well. */
function readYaml(text: string, rename: Rename): Reading {
  const documents: unknown[] = [];
  loadAll(text, (document) => documents.push(document));
  const embedded: unknown[] = [];
  for (const document of documents) {
    const object = document as { kind?: unknown; data?: unknown } | null;
    if (object?.kind !== "ConfigMap" || object.data === null || typeof object.data !== "object") continue;
    for (const [key, item] of Object.entries(object.data as Record<string, unknown>)) {
      if (key.endsWith(".json") && typeof item === "string") embedded.push(JSON.parse(item));
    }
  }
  return readData([...documents, ...embedded], rename);
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\n([A-Za-z0-9+/=\n]+)-----END \1-----\n/g;

function readPem(text: string): Reading {
  const strings: string[] = [];
  const types: string[] = [];
  if (text.replace(PEM_BLOCK, "").trim() !== "") throw new Error("text outside PEM blocks");
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [block, type = ""] = match;
    types.push(type);
    if (type === "CERTIFICATE") {
      const certificate = new X509Certificate(block);
      strings.push(certificate.subject, certificate.issuer, certificate.subjectAltName ?? "");
    } else if (type.endsWith("PRIVATE KEY")) createPrivateKey(block);
    else if (type === "PUBLIC KEY") createPublicKey(block);
    else if (type !== "CERTIFICATE REQUEST") throw new Error(`unknown PEM block ${type}`);
  }
  if (types.length === 0) throw new Error("no PEM block");
  return { strings, structure: types.join(",") };
}

// Go encoding/csv (the apiserver's --token-auth-file and --basic-auth-file readers): fields split on
// ',', a field that starts with '"' is quoted ('""' is a quote inside), a bare '"' elsewhere is an error.
function readCsv(text: string): Reading {
  const rows: string[][] = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === "\n") {
      index++;
      continue;
    }
    const row: string[] = [];
    for (;;) {
      let field = "";
      if (text[index] === '"') {
        index++;
        for (;;) {
          if (index >= text.length)
            throw new Error(`row ${rows.length + 1}: extraneous or missing " in quoted-field`);
          const character = text[index++] as string;
          if (character !== '"') field += character;
          else if (text[index] === '"') {
            field += '"';
            index++;
          } else if (index >= text.length || text[index] === "," || text[index] === "\n") break;
          else throw new Error(`row ${rows.length + 1}: extraneous or missing " in quoted-field`);
        }
      } else {
        while (index < text.length && text[index] !== "," && text[index] !== "\n") {
          if (text[index] === '"') throw new Error(`row ${rows.length + 1}: bare " in non-quoted-field`);
          field += text[index++];
        }
      }
      row.push(field.replace(/\r$/, ""));
      if (text[index] === ",") {
        index++;
        continue;
      }
      index++;
      break;
    }
    rows.push(row);
  }
  return { strings: rows.flat(), structure: rows.map((row) => row.length).join(",") };
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function readLines(text: string): Reading {
  const lines = text.split("\n");
  const bad = lines.findIndex((line) => CONTROL.test(line));
  if (bad >= 0) throw new Error(`line ${bad + 1} holds a control character: ${JSON.stringify(lines[bad])}`);
  return { strings: lines, structure: `${lines.length} lines` };
}

// gcfg, after gopkg.in/gcfg.v1's scanner.go and read.go: [section] or [section "subsection"] headers,
// `name = value` variables; names are letters, digits and '-' starting with a letter; ';' and '#'
// start comments outside quotes; inside quotes only \n, \t, \\ and \" are escapes and a line may not
// end; outside quotes a '\' must end the line (a continuation); NUL is illegal.
const GCFG_ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", "\\": "\\", '"': '"' };

function readGcfg(text: string, rename: Rename): Reading {
  if (text.includes("\u0000")) throw new Error("illegal character NUL");
  const strings: string[] = [];
  const structure: string[] = [];
  let index = 0;
  let section: string | undefined;
  const at = (): string => text[index] ?? "";
  const skipSpace = (): void => {
    while (at() === " " || at() === "\t" || at() === "\r") index++;
  };
  const fail = (message: string): never => {
    const line = text.slice(0, index).split("\n").length;
    throw new Error(`line ${line}: ${message}`);
  };
  const identifier = (): string => {
    const match = /^\p{L}[\p{L}\p{Nd}-]*/u.exec(text.slice(index));
    if (!match) return fail("expected a name");
    index += match[0].length;
    return match[0];
  };
  const comment = (): void => {
    const end = text.indexOf("\n", index);
    strings.push(text.slice(index + 1, end < 0 ? text.length : end));
    index = end < 0 ? text.length : end;
  };
  const endOfLine = (): void => {
    skipSpace();
    if (at() === ";" || at() === "#") comment();
    if (index < text.length && at() !== "\n") fail("expected EOL, EOF, or comment");
    index++;
  };
  const quoted = (): string => {
    let value = "";
    index++;
    while (at() !== '"') {
      const character = at();
      index++;
      if (character === "\n" || character === "") fail("string not terminated");
      if (character === "\\") {
        const escaped = GCFG_ESCAPES[at()];
        if (escaped === undefined) fail("unknown escape sequence");
        value += escaped;
        index++;
      } else value += character;
    }
    index++;
    return value;
  };
  const value = (): string => {
    let result = "";
    let pendingSpace = "";
    let inQuote = false;
    while (index < text.length && (inQuote || !["\n", ";", "#"].includes(at()))) {
      const character = at();
      index++;
      if (inQuote && character === "\\") {
        const escaped = GCFG_ESCAPES[at()];
        if (escaped === undefined) fail("unknown escape sequence");
        result += pendingSpace + escaped;
        pendingSpace = "";
        index++;
      } else if (!inQuote && character === "\\") {
        if (at() === "\r") index++;
        if (at() !== "\n") fail("unquoted '\\' must be followed by new line");
        index++;
      } else if (character === '"') {
        inQuote = !inQuote;
        result += pendingSpace;
        pendingSpace = "";
      } else if (character === "\r") continue;
      else if (inQuote && character === "\n") fail("string not terminated");
      else if (!inQuote && (character === " " || character === "\t")) pendingSpace += character;
      else {
        result += pendingSpace + character;
        pendingSpace = "";
      }
    }
    if (inQuote) fail("string not terminated");
    return result;
  };
  while (index < text.length) {
    skipSpace();
    const character = at();
    if (character === "\n") index++;
    else if (character === ";" || character === "#") comment();
    else if (character === "[") {
      index++;
      skipSpace();
      const name = identifier();
      skipSpace();
      const subsection = at() === '"' ? quoted() : undefined;
      if (subsection === "") fail("empty subsection name");
      skipSpace();
      if (at() !== "]") fail("expected right bracket");
      index++;
      endOfLine();
      section = subsection === undefined ? name : `${name} "${subsection}"`;
      strings.push(name, ...(subsection === undefined ? [] : [subsection]));
      structure.push(`[${rename(section).toLowerCase()}]`);
    } else if (/\p{L}/u.test(character)) {
      if (section === undefined) fail("expected section header");
      const name = identifier();
      skipSpace();
      let setting = "";
      if (index < text.length && !["\n", ";", "#"].includes(at())) {
        if (at() !== "=") fail("expected '='");
        index++;
        skipSpace();
        setting = value();
      }
      endOfLine();
      strings.push(name, setting);
      structure.push(`${rename(name).toLowerCase()}`);
    } else fail(`illegal character ${JSON.stringify(character)}`);
  }
  return { strings, structure: structure.join("\n") };
}

// systemd units: a trailing '\' continues a line (comment lines inside a continuation are dropped);
// each line is empty, a comment ('#' or ';'), a [Section] header or Key=value. Values resolve their
// specifiers ("%%" is '%'; any other "%x" stands for something else); Exec*= lines are also split into
// words as systemd does (quotes, C escapes, "$$" is '$', "$VAR" stands for something else).
const OTHER = "\uFFFF";
const C_ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\u0007",
  b: "\b",
  f: "\f",
  v: "\v",
  s: " ",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

function execWords(line: string): string[] {
  const words: string[] = [];
  let index = 0;
  while (index < line.length) {
    while (/\s/.test(line[index] ?? "")) index++;
    if (index >= line.length) break;
    let word = "";
    let quote: string | undefined;
    for (; index < line.length; index++) {
      const character = line[index] as string;
      if (quote === undefined && /\s/.test(character)) break;
      if (character === quote) quote = undefined;
      else if (quote === undefined && (character === '"' || character === "'")) quote = character;
      else if (character === "\\") {
        index++;
        const escaped = line[index] ?? "";
        word += C_ESCAPES[escaped] ?? OTHER;
      } else if (character === "$") {
        if (line[index + 1] === "$") {
          word += "$";
          index++;
        } else word += OTHER;
      } else word += character;
    }
    if (quote !== undefined) throw new Error(`unterminated quote in ${JSON.stringify(line)}`);
    words.push(word);
  }
  return words;
}

function readUnit(text: string): Reading {
  const strings: string[] = [];
  const structure: string[] = [];
  const physical = text.split("\n");
  let section: string | undefined;
  for (let index = 0; index < physical.length; index++) {
    let line = (physical[index] as string).trim();
    if (line === "") continue;
    if (line.startsWith("#") || line.startsWith(";")) {
      strings.push(line.slice(1));
      continue;
    }
    while (line.endsWith("\\") && index + 1 < physical.length) {
      index++;
      const next = (physical[index] as string).trim();
      if (next.startsWith("#") || next.startsWith(";")) continue;
      line = `${line.slice(0, -1)} ${next}`;
    }
    if (CONTROL.test(line))
      throw new Error(`line ${index + 1} holds a control character: ${JSON.stringify(line)}`);
    const header = /^\[([^[\]]+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      structure.push(`[${section}]`);
      continue;
    }
    const setting = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (!setting || section === undefined)
      throw new Error(`line ${index + 1} is neither a [Section] nor Key=value: ${JSON.stringify(line)}`);
    const [, key = "", raw = ""] = setting;
    structure.push(`${section} ${key}`);
    const resolved = raw.replace(/%(.?)/g, (_, specifier: string) => (specifier === "%" ? "%" : OTHER));
    strings.push(resolved, ...(key.startsWith("Exec") ? execWords(resolved.replace(/^[-@:+!]+/, "")) : []));
  }
  return { strings, structure: structure.join("\n") };
}

// Shell: the words with quotes and escapes removed, an unquoted or double-quoted '$' or '`' (an
// expansion) marked by a U+FFFF before it; heredoc bodies (expansions marked unless the delimiter is
// quoted) and comments.
// Syntax is bash's or sh's own job (checkShellSyntax). iptables-restore input in a heredoc must be
// iptables-restore lines.
const IPTABLES_LINE =
  /^(\*[a-z]+|:[A-Za-z0-9_-]+ (-|ACCEPT|DROP|RETURN) \[\d+:\d+\]|-[AIDN] \S.*|COMMIT|#.*|)$/;

function readShell(text: string): Reading {
  const strings: string[] = [];
  const heredocs: string[] = [];
  let pending: { delimiter: string; quoted: boolean; strip: boolean; iptables: boolean }[] = [];
  let index = 0;
  let word: string | undefined;
  let command: string[] = [];
  const flush = (): void => {
    if (word !== undefined) {
      strings.push(word);
      command.push(word);
    }
    word = undefined;
  };
  const add = (part: string): void => {
    word = (word ?? "") + part;
  };
  while (index < text.length) {
    const character = text[index] as string;
    if (character === "\n") {
      flush();
      command = [];
      index++;
      for (const heredoc of pending) {
        const body: string[] = [];
        for (;;) {
          if (index >= text.length) throw new Error(`heredoc ${heredoc.delimiter} not terminated`);
          const end = text.indexOf("\n", index);
          const line = text.slice(index, end < 0 ? text.length : end);
          index = end < 0 ? text.length : end + 1;
          if ((heredoc.strip ? line.replace(/^\t+/, "") : line) === heredoc.delimiter) break;
          body.push(line);
        }
        const joined = body.join("\n");
        strings.push(heredoc.quoted ? joined : joined.replace(/(?<!\\)[$`]/g, `${OTHER}$&`));
        if (heredoc.iptables) {
          const bad = body.find((line) => !IPTABLES_LINE.test(line));
          if (bad !== undefined) throw new Error(`iptables-restore input holds ${JSON.stringify(bad)}`);
        }
        heredocs.push(`${heredoc.delimiter}:${body.length}`);
      }
      pending = [];
    } else if (character === " " || character === "\t") {
      flush();
      index++;
    } else if (character === "#" && word === undefined) {
      const end = text.indexOf("\n", index);
      strings.push(text.slice(index + 1, end < 0 ? text.length : end));
      index = end < 0 ? text.length : end;
    } else if (text.startsWith("<<", index) && !text.startsWith("<<<", index)) {
      flush();
      index += 2;
      const strip = text[index] === "-";
      if (strip) index++;
      while (text[index] === " ") index++;
      const match = /^(?:'([^']*)'|"([^"]*)"|\\?([A-Za-z0-9_]+))/.exec(text.slice(index));
      if (!match) throw new Error(`heredoc without a delimiter at ${index}`);
      index += match[0].length;
      const delimiter = match[1] ?? match[2] ?? match[3] ?? "";
      const quoted = match[0] !== match[3];
      pending.push({ delimiter, quoted, strip, iptables: command.includes("iptables-restore") });
    } else if (";&|()<>".includes(character)) {
      flush();
      if (character === ";" || character === "&" || character === "|") command = [];
      index++;
    } else if (character === "'") {
      const end = text.indexOf("'", index + 1);
      if (end < 0) throw new Error("unterminated single quote");
      add(text.slice(index + 1, end));
      index = end + 1;
    } else if (character === "\\") {
      if (text[index + 1] !== "\n") add(text[index + 1] ?? "");
      index += 2;
    } else if (character === '"') {
      index++;
      let part = "";
      while (text[index] !== '"') {
        if (index >= text.length) throw new Error("unterminated double quote");
        const inner = text[index] as string;
        if (inner === "\\" && '$`"\\\n'.includes(text[index + 1] ?? "")) {
          if (text[index + 1] !== "\n") part += text[index + 1];
          index += 2;
          continue;
        }
        part += inner === "$" || inner === "`" ? OTHER + inner : inner;
        index++;
      }
      index++;
      add(part);
    } else {
      add(character === "$" || character === "`" ? OTHER + character : character);
      index++;
    }
  }
  flush();
  return { strings, structure: heredocs.join(",") };
}

function read(format: Format, text: string, rename: Rename): Reading {
  switch (format) {
    case "yaml":
      return readYaml(text, rename);
    case "json":
      return readData([JSON.parse(text)], rename);
    case "toml":
      return readData([parseToml(text)], rename);
    case "pem":
      return readPem(text);
    case "shell":
      return readShell(text);
    case "gcfg":
      return readGcfg(text, rename);
    case "systemd":
      return readUnit(text);
    case "csv":
      return readCsv(text);
    case "lines":
      return readLines(text);
  }
}

/** `sh -n` or `bash -n` (after the shebang) on many files in one process; problems by file. */
function checkShellSyntax(directory: string, files: readonly { label: string; content: string }[]) {
  if (files.length === 0) return [];
  const paths = files.map((file, index) => {
    const path = join(directory, `script-${index}`);
    writeFileSync(path, file.content);
    return path;
  });
  const result = spawnSync(
    "bash",
    [
      "-c",
      'for f in "$@"; do printf "\\036%s\\n" "$f"; shell=bash; head -n 1 "$f" | grep -q "^#!/bin/sh" && shell=sh; "$shell" -n "$f" 2>&1 || echo "$shell -n exited $?"; done',
      "check",
      ...paths,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (result.status !== 0) throw new Error(`the shell check did not run: ${result.stderr}`);
  const problems: string[] = [];
  for (const chunk of result.stdout.split("\u001e").slice(1)) {
    const newline = chunk.indexOf("\n");
    const output = chunk.slice(newline + 1).trim();
    const file = files[paths.indexOf(chunk.slice(0, newline))];
    if (output !== "" && file) problems.push(`${file.label}: ${output.split(directory).join("")}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Generating and reading a cluster

interface File {
  readonly artifact: Artifact;
  readonly format: Format;
  /** The text a reader gets from the file written as UTF-8. */
  readonly onDisk: string;
}

async function generate(spec: ClusterSpec): Promise<Map<string, File>> {
  const cluster = await generateCluster(spec, {
    now: FIXED_NOW,
    random: seededRandom("hostile-values"),
    keys: premadeKeys(),
  });
  const files = new Map<string, File>();
  const owners = [...cluster.nodes, { name: "admin bundle", artifacts: cluster.admin.artifacts }];
  for (const { name, artifacts } of owners) {
    for (const artifact of artifacts) {
      files.set(`${name}:${artifact.path}`, {
        artifact,
        format: formatOf(artifact),
        onDisk: Buffer.from(artifact.content, "utf8").toString("utf8"),
      });
    }
  }
  return files;
}

/** The strings of `strings` left after taking out one of `other` for each (a multiset difference). */
function without(strings: readonly string[], other: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const text of other) counts.set(text, (counts.get(text) ?? 0) + 1);
  return strings.filter((text) => {
    const count = counts.get(text) ?? 0;
    counts.set(text, count - 1);
    return count <= 0;
  });
}

function isBlob(text: string): boolean {
  return text.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
}

function occurrences(haystack: string, needle: string): number {
  if (needle === "") return 0;
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** The part of a payload that marks it in a file: its longest line. */
function probeOf(payload: string): string {
  return payload.split("\n").reduce((longest, line) => (line.length > longest.length ? line : longest), "");
}

interface Baseline {
  readonly files: Map<string, File>;
  readonly readings: Map<string, Reading>;
}

async function baselineOf(document: Json): Promise<Baseline> {
  const files = await generate(parseSpec(document).spec);
  const readings = new Map<string, Reading>();
  for (const [key, file] of files) {
    readings.set(
      key,
      read(file.format, file.onDisk, (name) => name),
    );
  }
  return { files, readings };
}

interface Mutation {
  readonly field: Field;
  readonly payload: Payload;
  readonly mode: "whole" | "appended";
  readonly value: string;
}

/** Problems of one mutation's files: empty when every file reads back whole and holds the value. */
function fileProblems(
  mutation: Mutation,
  files: Map<string, File>,
  baseline: Baseline,
  scripts: { label: string; content: string }[],
): string[] {
  const { field, value, payload } = mutation;
  const problems: string[] = [];
  const rename: Rename = (name) => (field.isKey && name === value ? field.original : name);
  const probe = probeOf(payload.text);
  for (const [label, file] of files) {
    // A file named after the value (none is today) is compared with the one named after the original.
    const baselineKey = label.split(value).join(field.original);
    const before = baseline.files.get(baselineKey);
    const beforeReading = baseline.readings.get(baselineKey);
    if (file.onDisk !== file.artifact.content) {
      problems.push(
        `${label}: holds a character UTF-8 cannot encode (a lone surrogate); the file on disk has U+FFFD instead of the value`,
      );
      continue;
    }
    let reading: Reading;
    try {
      reading = read(file.format, file.onDisk, rename);
    } catch (caught) {
      problems.push(`${label}: its ${file.format} reader refuses it: ${(caught as Error).message}`);
      continue;
    }
    if (file.format === "shell" && file.onDisk !== before?.onDisk)
      scripts.push({ label, content: file.onDisk });
    if (beforeReading && reading.structure !== beforeReading.structure) {
      problems.push(
        `${label}: its ${file.format} structure (sections, keys, shape, row widths, line counts) changed: ` +
          difference(beforeReading.structure, reading.structure),
      );
    }
    if (!beforeReading) continue;
    // Held: every string the reader sees that the unmutated file did not have holds the whole value,
    // and a string that went away was replaced by one that holds it. Certificate and key data
    // (base64 blobs) are left out: ECDSA signatures differ from run to run.
    const added = without(reading.strings, beforeReading.strings).filter(
      (text) => text.includes(value) || !isBlob(text),
    );
    const lost = without(beforeReading.strings, reading.strings).filter((text) => !isBlob(text));
    const mangled = added.find((text) => !text.includes(value));
    if (mangled !== undefined) {
      problems.push(
        `${label}: its ${file.format} reader sees ${clip(mangled)}, which does not hold the value`,
      );
    } else if (lost.length > 0 && added.length === 0) {
      problems.push(
        `${label}: its ${file.format} reader lost ${clip(lost[0] ?? "")} and sees the value nowhere`,
      );
    } else if (
      occurrences(file.onDisk, probe) > occurrences(before?.onDisk ?? "", probe) &&
      !reading.strings.some((text) => text.includes(value))
    ) {
      problems.push(
        `${label}: the value's text is in the file, but its ${file.format} reader does not see it whole`,
      );
    }
  }
  return problems;
}

/** Where two texts part: a little of each from there on. */
function difference(before: string, after: string): string {
  let at = 0;
  while (at < before.length && before[at] === after[at]) at++;
  const from = Math.max(0, at - 40);
  return `${clip(before.slice(from, at + 60))} became ${clip(after.slice(from, at + 60))}`;
}

function clip(text: string): string {
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}...` : text);
}

// ---------------------------------------------------------------------------------------------
// The property

const fixtures = fixtureFiles("specs").map((file) => {
  const document = load(file.text, { schema: CORE_SCHEMA }) as Json;
  return { name: file.name, document, fields: stringFields(document) };
});

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-hostile-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(fixtures)("$name with a hostile value in a string field", ({ document, fields }) => {
  let baseline: Baseline;
  beforeAll(async () => {
    baseline = await baselineOf(document);
  });

  it("the unmutated files already pass every reader (the readers know these formats)", () => {
    expect(baseline.readings.size).toBe(baseline.files.size);
    const scripts = [...baseline.files]
      .filter(([, file]) => file.format === "shell")
      .map(([label, file]) => ({ label, content: file.onDisk }));
    expect(scripts.length).toBeGreaterThan(0);
    expect(checkShellSyntax(scratch, scripts)).toEqual([]);
  });

  it("has string fields to mutate", () => {
    expect(fields.length).toBeGreaterThan(5);
  });

  it.each(fields.map((field) => ({ field, name: `${field.isKey ? "key " : ""}${pointerOf(field.path)}` })))(
    "$name: refused at its pointer, or every file reads back and holds it",
    async ({ field }) => {
      const problems: string[] = [];
      const scripts: { label: string; content: string }[] = [];
      for (const payload of PAYLOADS) {
        for (const mode of ["whole", "appended"] as const) {
          const value = mode === "whole" ? payload.text : field.original + payload.text;
          const mutation: Mutation = { field, payload, mode, value };
          const pointer = pointerOf([
            ...field.path.slice(0, -1),
            ...(field.isKey ? [value] : [field.path.at(-1) ?? ""]),
          ]);
          const what = `${payload.name} ${mode}`;
          let spec: ClusterSpec;
          try {
            spec = parseSpec(mutated(document, field, value)).spec;
          } catch (caught) {
            if (!(caught instanceof SpecError)) {
              problems.push(`${what}: validation threw ${String(caught)}`);
            } else if (!caught.issues.some((issue) => issue.pointer === pointer)) {
              const pointers = caught.issues.map((issue) => issue.pointer).join(", ");
              problems.push(`${what}: refused, but at ${pointers}, not at ${pointer}`);
            }
            continue;
          }
          let files: Map<string, File>;
          try {
            files = await generate(spec);
          } catch (caught) {
            problems.push(`${what}: accepted, but generation threw ${String(caught)}`);
            continue;
          }
          const found: { label: string; content: string }[] = [];
          problems.push(
            ...fileProblems(mutation, files, baseline, found).map((problem) => `${what}: ${problem}`),
          );
          scripts.push(...found.map((script) => ({ ...script, label: `${what}: ${script.label}` })));
        }
      }
      problems.push(...checkShellSyntax(scratch, scripts));
      expect(problems).toEqual([]);
    },
  );
});
