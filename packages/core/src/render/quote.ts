// How a value is written into each text format kubescratch emits, in one place: every writer quotes
// through these (YAML goes through toYaml in yaml.ts). Validation already refuses control characters
// and lone surrogates in spec values (spec/schema-validate.ts); these functions make every other
// character land as itself. packages/core/test/hostile-values.test.ts reads every generated file
// back with a reader of its format.

/** One bash word that stands for `value` exactly: bare when that is unambiguous, else single-quoted. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One word of an ExecStart= line: `%` and `$` escaped (systemd expands specifiers and variables in
 * command lines), and double-quoted when it holds anything but the plain characters of paths, URLs,
 * addresses and flags.
 */
export function systemdWord(value: string): string {
  const escaped = value.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@%$+=:,./[\]-]+$/.test(value)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A TOML basic string. JSON's escapes are TOML's, but JSON leaves DEL (U+007F) bare, which a TOML
 * basic string may not hold.
 */
export function tomlString(value: string): string {
  return JSON.stringify(value).replace(/\u007f/g, "\\u007F");
}

/** A field of a CSV file as Go's encoding/csv reads it (the apiserver's token and password files). */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A gcfg (INI) value: bare when plain, else double-quoted with gcfg's escapes. */
export function gcfgValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[A-Za-z0-9_.:/@-]*$/.test(text) && text !== ""
    ? text
    : `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
