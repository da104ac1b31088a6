// Syntax highlighting at render time (no script needed to read a file): a few small line-based
// tokenizers for the formats the bundles hold. Output is escaped HTML with short class names:
// c comment, k key, s string, n number/literal, v variable, h section/header, p PEM body.
import { h } from "./html.js";

export type Language = "yaml" | "json" | "shell" | "ini" | "csv" | "pem" | "text";

/** Picks the language from the path, the artifact kind and, for JSON, the first character. */
export function languageOf(path: string, kind: string | undefined, text: string): Language {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (/\.(crt|pem|key|pub|csr)$/.test(name) || /^-----BEGIN /.test(text)) return "pem";
  if (/\.json$/.test(name) || /^\s*[{[]/.test(text)) return "json";
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

/** Applies the first matching rule at each position; unmatched characters are plain. */
function tokenize(line: string, rules: readonly Rule[]): string {
  let out = "";
  let plain = "";
  let index = 0;
  outer: while (index < line.length) {
    for (const [pattern, className] of rules) {
      pattern.lastIndex = index;
      const match = pattern.exec(line);
      if (match && match.index === index && match[0].length > 0) {
        out += h(plain);
        plain = "";
        out += className === "" ? h(match[0]) : `<span class="${className}">${h(match[0])}</span>`;
        index += match[0].length;
        continue outer;
      }
    }
    plain += line[index];
    index += 1;
  }
  return out + h(plain);
}

const STRING_DQ = /"(?:[^"\\]|\\.)*"?/y;
const STRING_SQ = /'[^']*'?/y;
const NUMBER = /-?\b\d+(?:\.\d+)?\b/y;

const YAML_RULES: readonly Rule[] = [
  [/#.*$/y, "c"],
  [/(?<=^\s*(?:- )*)[^\s#:"'][^:#]*?(?=:(?:\s|$))/y, "k"],
  [STRING_DQ, "s"],
  [STRING_SQ, "s"],
  [/\b(?:true|false|null|yes|no)\b/y, "n"],
  [NUMBER, "n"],
];
const JSON_RULES: readonly Rule[] = [
  [/"(?:[^"\\]|\\.)*"(?=\s*:)/y, "k"],
  [STRING_DQ, "s"],
  [/\b(?:true|false|null)\b/y, "n"],
  [NUMBER, "n"],
];
const SHELL_RULES: readonly Rule[] = [
  [/(?<=^|\s)#.*$/y, "c"],
  [STRING_SQ, "s"],
  [STRING_DQ, "s"],
  [/\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@#?$!*-])/y, "v"],
  [
    /\b(?:if|then|else|elif|fi|for|while|until|do|done|case|esac|in|function|return|local|set|export|readonly|exit)\b/y,
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

const RULES: Readonly<Record<Language, readonly Rule[]>> = {
  yaml: YAML_RULES,
  json: JSON_RULES,
  shell: SHELL_RULES,
  ini: INI_RULES,
  csv: CSV_RULES,
  pem: PEM_RULES,
  text: [],
};

/** The text as highlighted HTML, one `<span class="l">` per line (line numbers come from CSS). */
export function highlight(text: string, language: Language): string {
  const rules = RULES[language];
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  return lines.map((line) => `<span class="l">${tokenize(line, rules)}</span>`).join("\n");
}
