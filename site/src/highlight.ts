// Syntax highlighting at render time (no script needed to read a file): a few small line-based
// tokenizers for the formats the bundles hold. Output is escaped HTML with short class names:
// c comment, k key, s string, n number/literal, v variable, h section/header, p PEM body.
import { hText } from "./html.js";

export type Language = "yaml" | "json" | "shell" | "ini" | "csv" | "pem" | "text";

/** Picks the language from the path, the artifact kind and, for JSON, the first character. */
export function languageOf(path: string, kind: string | undefined, text: string): Language {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (/\.(crt|pem|key|pub|csr)$/.test(name) || /^-----BEGIN /.test(text)) return "pem";
  // JSON by its first character, for files named otherwise (CNI's .conf): an object, or an array whose
  // first element starts like JSON (an INI file's "[Unit]" is no array).
  if (/\.json$/.test(name) || /^\s*(?:\{|\[\s*(?:[{["\d-]|\]|true|false|null|$))/.test(text)) return "json";
  if (
    /\.(ya?ml|kubeconfig)$/.test(name) ||
    kind === "kubeconfig" ||
    (/^(kubeconfig|.*\.conf)$/.test(name) && /^apiVersion:/m.test(text))
  )
    return "yaml";
  if (/\.sh$/.test(name) || kind === "script" || /^#!/.test(text)) return "shell";
  if (/\.csv$/.test(name) || kind === "credentials-csv") return "csv";
  if (
    /\.(service|socket|timer|target|mount|toml|ini|conf|cfg)$/.test(name) ||
    kind === "systemd-unit" ||
    kind === "config"
  )
    return "ini";
  if (/^(SHA256SUMS)$/.test(name)) return "text";
  return "text";
}

type Rule = readonly [RegExp, string];

/** A language's rules as one alternation (one group per rule, in order) and each group's class. */
interface Tokenizer {
  readonly pattern: RegExp;
  readonly classes: readonly string[];
}

/**
 * A redaction placeholder (redact.ts) is one plain token, whatever the language: a rule that took
 * its digits (a number) would leave a placeholder the page could not mark.
 */
// eslint-disable-next-line no-control-regex -- NUL delimits the placeholders.
const PLACEHOLDER_RULE: Rule = [/\u0000\d+\u0000/y, ""];

function tokenizer(languageRules: readonly Rule[]): Tokenizer | undefined {
  if (languageRules.length === 0) return undefined;
  const rules = [PLACEHOLDER_RULE, ...languageRules];
  return {
    pattern: new RegExp(rules.map(([rule]) => `(${rule.source})`).join("|"), "g"),
    classes: rules.map(([, className]) => className),
  };
}

/**
 * Applies the first matching rule at each position; unmatched characters are plain. One search of the
 * rules' alternation finds the next token: at the leftmost position where any rule matches, the
 * alternation takes the first rule that does, as trying each rule at each position would (no rule
 * matches the empty string).
 */
function tokenize(line: string, rules: Tokenizer | undefined): string {
  if (rules === undefined) return hText(line);
  const { pattern, classes } = rules;
  let out = "";
  let last = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) {
    const token = match[0];
    if (token.length === 0) {
      pattern.lastIndex += 1;
      continue;
    }
    if (match.index > last) out += hText(line.slice(last, match.index));
    let group = 1;
    while (match[group] === undefined) group += 1;
    const className = classes[group - 1] ?? "";
    out += className === "" ? hText(token) : `<span class="${className}">${hText(token)}</span>`;
    last = match.index + token.length;
  }
  return out + hText(line.slice(last));
}

const STRING_DQ = /"(?:[^"\\]|\\.)*"?/y;
const STRING_SQ = /'[^']*'?/y;
/**
 * A literal is a whole token: a run of letters, digits and `. : / + - _` that starts with a digit (or
 * `v` and a digit, or a minus and a digit) and is not the tail of a longer token. So `v1.36.4`,
 * `1.34.8-1`, `2036-11-26T00:00:00Z` and `10.200.0.0/24` are one literal each, while the digits of
 * `worker-3`, `kube-apiserver:v1.36.4` or `registry.local:5000` belong to their word and stay plain.
 */
const TOKEN_BEFORE = "(?<![\\w.:/+-])";
const TOKEN_AFTER = "(?![\\w.:/+-]*\\w)";
const NUMBER = new RegExp(`${TOKEN_BEFORE}(?:-?\\d|v\\d)(?:[\\w.:/+-]*\\w)?`, "y");
/** Words of a language (keywords, literals) only when they stand alone: not `no` of `no-op`. */
function words(list: string): RegExp {
  return new RegExp(`${TOKEN_BEFORE}(?:${list})${TOKEN_AFTER}`, "y");
}

const YAML_RULES: readonly Rule[] = [
  [/#.*$/y, "c"],
  [/(?<=^\s*(?:- )*)[^\s#:"'][^:#]*?(?=:(?:\s|$))/y, "k"],
  [STRING_DQ, "s"],
  [STRING_SQ, "s"],
  [words("true|false|null|yes|no"), "n"],
  [NUMBER, "n"],
];
const JSON_RULES: readonly Rule[] = [
  [/"(?:[^"\\]|\\.)*"(?=\s*:)/y, "k"],
  [STRING_DQ, "s"],
  [words("true|false|null"), "n"],
  [NUMBER, "n"],
];
const SHELL_RULES: readonly Rule[] = [
  [/(?<=^|\s)#.*$/y, "c"],
  [STRING_SQ, "s"],
  [STRING_DQ, "s"],
  [/\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@#?$!*-])/y, "v"],
  [
    words(
      "if|then|else|elif|fi|for|while|until|do|done|case|esac|in|function|return|local|set|export|readonly|exit",
    ),
    "k",
  ],
];
const INI_RULES: readonly Rule[] = [
  [/^\s*[#;].*$/y, "c"],
  [/^\s*\[[^\]]*\]/y, "h"],
  [/^\s*[A-Za-z0-9_.\-"]+(?=\s*=)/y, "k"],
  [STRING_DQ, "s"],
  [/\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)/y, "v"],
];
const CSV_RULES: readonly Rule[] = [
  [STRING_DQ, "s"],
  [/,/y, "k"],
];
const PEM_RULES: readonly Rule[] = [
  [/^-----(?:BEGIN|END) [^-]+-----$/y, "h"],
  [/^[A-Za-z0-9+/=]+$/y, "p"],
];

const RULES: Readonly<Record<Language, Tokenizer | undefined>> = {
  yaml: tokenizer(YAML_RULES),
  json: tokenizer(JSON_RULES),
  shell: tokenizer(SHELL_RULES),
  ini: tokenizer(INI_RULES),
  csv: tokenizer(CSV_RULES),
  pem: tokenizer(PEM_RULES),
  text: undefined,
};

/** A text's lines as the highlighted view shows them: a final newline ends the last line. */
export function textLines(text: string): string[] {
  return text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
}

/**
 * Lines as highlighted HTML, one `<span class="l">` per line (line numbers come from CSS). Each line
 * is highlighted on its own, so a run of a text's lines highlights as in the whole text.
 */
export function highlightLines(lines: readonly string[], language: Language): string {
  const rules = RULES[language];
  let out = "";
  for (let index = 0; index < lines.length; index += 1)
    out += `${index === 0 ? "" : "\n"}<span class="l">${tokenize(lines[index] as string, rules)}</span>`;
  return out;
}

/** The text as highlighted HTML, one `<span class="l">` per line. */
export function highlight(text: string, language: Language): string {
  return highlightLines(textLines(text), language);
}
