// ajv against schemas/cluster.schema.json, with ajv's errors rewritten as SpecIssues that say what is
// wrong and how to fix it (the schema's own descriptions supply the expected form).
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { closest, distance } from "fastest-levenshtein";
import { clusterSchema } from "./generated/cluster-schema.js";
import { validate as compiledValidator } from "./generated/cluster-validate.js";
import type { JsonSchema } from "./json-schema.js";
import { CONTROL_CHARACTER, pointerOf, segmentsOf, type SpecIssue } from "./errors.js";

/**
 * ajv's validator for the schema, compiled by `pnpm gen` (Ajv2020 with allErrors, useDefaults,
 * strict, allowUnionTypes): `useDefaults` fills every schema default in place.
 */
function validator(): ValidateFunction {
  return compiledValidator as unknown as ValidateFunction;
}

/**
 * Validates `document` against the schema, filling defaults into it in place. Returns the problems;
 * an empty list means `document` now has the shape of the schema with defaults applied.
 */
export function validateAgainstSchema(document: unknown): SpecIssue[] {
  const validate = validator();
  // A control character is the one problem a value's pattern may not name (and keys have none).
  const controls = controlCharacterIssues(document);
  if (validate(document) && controls.length === 0) return [];
  const issues: SpecIssue[] = [...controls];
  const seen = new Set<string>(controls.map((issue) => issue.pointer));
  const errors = (validate.errors ?? []).filter((error) => !hasTypeErrorAbove(error, validate.errors ?? []));
  for (const error of errors) {
    const issue = describe(error, document);
    if (!issue || seen.has(issue.pointer)) continue;
    seen.add(issue.pointer);
    issues.push(issue);
  }
  return issues;
}

/** Certificates and keys in PEM: the only values written over several lines. */
const MULTI_LINE_VALUES = new Set(["/security/ca/certificate", "/security/ca/key"]);
const PEM_LINE_BREAKS = /\r?\n/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Keys and string values holding a control character (a line break, a tab, NUL, DEL...): every
 * format kubescratch writes is split by lines or fields, so such a value could add a directive to a
 * unit, a section to an INI file or a command to a script. Refused at the field, whatever its schema.
 */
function controlCharacterIssues(document: unknown): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const visit = (value: unknown, segments: readonly string[]): void => {
    if (typeof value === "string") {
      const pointer = pointerOf(...segments);
      const checked = MULTI_LINE_VALUES.has(pointer) ? value.replace(PEM_LINE_BREAKS, "") : value;
      if (LONE_SURROGATE.test(value)) {
        issues.push({
          severity: "error",
          pointer,
          message: `${show(value)} is not Unicode text: it holds half of a UTF-16 surrogate pair, which no file can carry.`,
          fix: "Write the character itself, or remove the stray \\uD800-\\uDFFF escape.",
        });
        return;
      }
      const found = CONTROL_CHARACTER.exec(checked);
      if (found)
        issues.push({
          severity: "error",
          pointer,
          message: `${show(value)} holds the control character U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}: the files that carry the value are read line by line and field by field, so it could add a line of its own.`,
          fix: "Write the value on one line without tabs or other control characters.",
        });
      return;
    }
    if (value === null || typeof value !== "object") return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const found = Array.isArray(value) ? null : (CONTROL_CHARACTER.exec(key) ?? LONE_SURROGATE.exec(key));
      if (found) {
        issues.push({
          severity: "error",
          pointer: pointerOf(...segments, key),
          message: `the key ${show(key)} holds ${LONE_SURROGATE.test(found[0]) ? "half of a UTF-16 surrogate pair" : "the control character"} U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}.`,
          fix: "Write the key without control characters; the reference lists every key allowed here.",
        });
        continue;
      }
      visit(child, [...segments, key]);
    }
  };
  visit(document, []);
  return issues;
}

/** A wrong type explains every other complaint about the same value; keep only it. */
function hasTypeErrorAbove(error: ErrorObject, all: readonly ErrorObject[]): boolean {
  if (error.keyword === "type") return false;
  return all.some((other) => other.keyword === "type" && other.instancePath === error.instancePath);
}

function schemaAt(schemaPath: string): JsonSchema | undefined {
  // "#/properties/nodes/items/properties/name/pattern" -> the schema that holds the failing keyword.
  const segments = schemaPath.replace(/^#\/?/, "").split("/").slice(0, -1);
  let node: unknown = clusterSchema;
  for (const segment of segments) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node !== null && typeof node === "object" ? (node as JsonSchema) : undefined;
}

function valueAt(document: unknown, pointer: string): unknown {
  let node: unknown = document;
  for (const segment of segmentsOf(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "object":
      return "a mapping";
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean (true or false)",
  object: "a mapping of keys to values",
  array: "a list",
  null: "null",
};

function expectedTypes(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((entry) => TYPE_WORDS[String(entry)] ?? String(entry)).join(" or ");
}

/** The schema's description of a field, quoted as the expected form in a fix. */
function expectation(schema: JsonSchema | undefined): string {
  return schema?.description ?? "see schemas/cluster.schema.json";
}

function suggestion(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = word.toLowerCase();
  const caseInsensitive = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (caseInsensitive) return caseInsensitive;
  const best = closest(word, [...candidates]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function describe(error: ErrorObject, document: unknown): SpecIssue | undefined {
  const schema = schemaAt(error.schemaPath);
  const value = valueAt(document, error.instancePath);
  const issue = (pointer: string, message: string, fix: string): SpecIssue => ({
    severity: "error",
    pointer,
    message,
    fix,
  });
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required": {
      const name = String(params["missingProperty"]);
      const property = schema?.properties?.[name];
      return issue(
        `${error.instancePath}/${name}`,
        `required property "${name}" is missing.`,
        `Add "${name}": ${property?.description ?? "see schemas/cluster.schema.json"}`,
      );
    }
    case "additionalProperties": {
      const name = String(params["additionalProperty"]);
      const known = Object.keys(schema?.properties ?? {});
      const guess = suggestion(name, known);
      return issue(
        error.instancePath + pointerOf(name),
        `unknown property "${name}".`,
        guess
          ? `Did you mean "${guess}"? Rename it.`
          : `Remove it; the properties allowed here are: ${known.join(", ")}.`,
      );
    }
    case "enum": {
      const allowed = (params["allowedValues"] as unknown[]).map(String);
      const guess = typeof value === "string" ? suggestion(value, allowed) : undefined;
      return issue(
        error.instancePath,
        `${show(value)} is not one of: ${allowed.join(", ")}.`,
        guess ? `Did you mean "${guess}"?` : `Use one of: ${allowed.join(", ")}.`,
      );
    }
    case "const":
      return issue(
        error.instancePath,
        `must be ${show(params["allowedValue"])}, not ${show(value)}.`,
        `Set it to ${show(params["allowedValue"])}.`,
      );
    case "type": {
      const wanted = expectedTypes(params["type"]);
      const quoteHint =
        params["type"] === "string" && (typeof value === "number" || typeof value === "boolean")
          ? ` Put the value in quotes: unquoted, YAML reads it as ${typeName(value)}${typeof value === "number" ? " (1.30 becomes 1.3)" : ""}.`
          : "";
      return issue(
        error.instancePath,
        `must be ${wanted}, not ${typeName(value)}.`,
        `Write ${wanted}.${quoteHint}`,
      );
    }
    case "propertyNames": {
      const name = String(params["propertyName"]);
      return issue(
        error.instancePath + pointerOf(name),
        `the key ${show(name)} is not allowed here.`,
        `Expected ${lowerFirst(expectation(schema?.propertyNames ?? schema))}`,
      );
    }
    case "pattern":
      if (error.propertyName !== undefined) return undefined; // reported by its propertyNames error
      return issue(
        error.instancePath,
        `${show(value)} is not in the expected form.`,
        `Expected ${lowerFirst(expectation(schema))}`,
      );
    case "minLength":
      return issue(error.instancePath, `must not be empty.`, `Expected ${lowerFirst(expectation(schema))}`);
    case "maxLength":
      return issue(
        error.instancePath,
        `${show(value)} is longer than ${String(params["limit"])} characters.`,
        `Expected ${lowerFirst(expectation(schema))}`,
      );
    case "minimum":
    case "maximum": {
      const low = schema?.minimum;
      const high = schema?.maximum;
      return issue(
        error.instancePath,
        `${show(value)} is ${error.keyword === "minimum" ? "below the minimum" : "above the maximum"} ${String(params["limit"])}.`,
        `Use a value from ${String(low ?? "")} to ${String(high ?? "")}: ${lowerFirst(expectation(schema))}`,
      );
    }
    case "minItems":
      return issue(
        error.instancePath,
        `needs at least ${String(params["limit"])} ${params["limit"] === 1 ? "entry" : "entries"}.`,
        `Add entries: ${lowerFirst(expectation(schema))}`,
      );
    case "maxItems":
      return issue(
        error.instancePath,
        `has ${Array.isArray(value) ? value.length : "more"} entries, more than ${String(params["limit"])}.`,
        `Keep at most ${String(params["limit"])}: ${lowerFirst(expectation(schema))}`,
      );
    case "uniqueItems":
      return issue(
        `${error.instancePath}/${String(params["i"])}`,
        `repeats entry ${String(params["j"])} (${show(valueAt(document, `${error.instancePath}/${String(params["i"])}`))}).`,
        `Remove the duplicate.`,
      );
    default:
      return issue(
        error.instancePath,
        `${error.message ?? "is invalid"}.`,
        `Expected ${lowerFirst(expectation(schema))}`,
      );
  }
}

function lowerFirst(text: string): string {
  // Descriptions that start with an acronym or field name (CLUSTER_NAME, MASTER_IP) keep their case.
  if (/^[A-Z](?![A-Z_])/.test(text)) return text.charAt(0).toLowerCase() + text.slice(1);
  return text;
}
