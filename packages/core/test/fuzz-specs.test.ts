// 10,000 specs made by mutating the fixtures' text (YAML and JSON), seeded so a failure replays:
// reading them must never throw anything but SpecError, and every problem must print as one line
// of the form FILE:LINE:COL: /pointer: message Fix: fix.
import { formatIssue, parseSpecText, SpecError } from "../src/index.js";
import { fixtureFiles } from "./helpers.js";

const SEED = 0x6b756265;
const MUTATED_SPECS = 10_000;

/** mulberry32: a small seeded generator, so the same seed gives the same 10,000 specs. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "\n",
  "\r\n",
  "\t",
  "\u0000",
  "\u0007",
  "\u007f",
  "\u2028",
  "\uFEFF",
  "\uFFFD",
  '"',
  "'",
  "\\",
  ":",
  ": ",
  "- ",
  "#",
  "&a ",
  "*a",
  "<<: *a",
  "!!binary ",
  "!!js/function ",
  "{",
  "}",
  "[",
  "]",
  ",",
  "---\n",
  "...\n",
  "|\n",
  "? ",
  "%YAML 1.2\n",
  "0x1F",
  "1_000",
  "-1",
  "1e400",
  "null",
  "~",
  "yes",
  "__proto__",
  "constructor",
  "$(id)",
  "\nExecStart=/bin/sh",
  "\n[Section]",
  "x".repeat(300),
  "10.0.0.0/8",
  "::1",
  "256.1.1.1",
];

type Mutation = (text: string, random: () => number) => string;

const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)] as T;
const at = (text: string, random: () => number): number => Math.floor(random() * (text.length + 1));

const MUTATIONS: readonly Mutation[] = [
  (text, random) => {
    const index = at(text, random);
    return text.slice(0, index) + pick(PIECES, random) + text.slice(index);
  },
  (text, random) => {
    const index = at(text, random);
    return text.slice(0, index) + text.slice(index + 1 + Math.floor(random() * 8));
  },
  (text, random) => text.slice(0, at(text, random)),
  (text, random) => {
    const lines = text.split("\n");
    const index = Math.floor(random() * lines.length);
    lines.splice(index, 0, lines[Math.floor(random() * lines.length)] ?? "");
    return lines.join("\n");
  },
  (text, random) => {
    const lines = text.split("\n");
    const a = Math.floor(random() * lines.length);
    const b = Math.floor(random() * lines.length);
    [lines[a], lines[b]] = [lines[b] ?? "", lines[a] ?? ""];
    return lines.join("\n");
  },
  (text, random) => {
    const lines = text.split("\n");
    const index = Math.floor(random() * lines.length);
    lines[index] =
      (random() < 0.5 ? " " : "") + (lines[index] ?? "").replace(/^ /, random() < 0.5 ? "" : "   ");
    return lines.join("\n");
  },
  (text, random) => {
    // A value replaced: after a ": " or inside quotes.
    const matches = [...text.matchAll(/(: |")([^"\n]*)/g)];
    const match = matches.length > 0 ? pick(matches, random) : undefined;
    if (!match || match.index === undefined) return text;
    const start = match.index + (match[1]?.length ?? 0);
    return text.slice(0, start) + pick(PIECES, random) + text.slice(start + (match[2]?.length ?? 0));
  },
];

/**
 * `FILE:LINE:COL: ` (position optional), an optional `warning: `, a pointer (whose keys may hold
 * spaces), a message, a fix; no control character anywhere.
 */
const ONE_LINE =
  // eslint-disable-next-line no-control-regex -- a problem line must hold no control character
  /^f(?::\d+:\d+)?: (?:warning: )?\/[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*: [^\u0000-\u001f\u007f-\u009f\u2028\u2029]+ Fix: [^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;

describe(`${MUTATED_SPECS} mutated specs`, () => {
  const sources = fixtureFiles("specs").flatMap((file) => {
    const parsed = parseSpecText(file.text);
    return [
      { format: "yaml" as const, text: file.text },
      { format: "json" as const, text: JSON.stringify(JSON.parse(JSON.stringify(parsed.spec)), null, 2) },
    ];
  });

  it("throw nothing but SpecError, and print every problem as one line of the form", () => {
    const random = generator(SEED);
    const failures: string[] = [];
    let refused = 0;
    for (let index = 0; index < MUTATED_SPECS; index += 1) {
      const source = pick(sources, random);
      let text = source.text;
      const rounds = 1 + Math.floor(random() * 3);
      for (let round = 0; round < rounds; round += 1) text = pick(MUTATIONS, random)(text, random);
      try {
        parseSpecText(text, { format: source.format, fileName: "f" });
      } catch (caught) {
        if (!(caught instanceof SpecError)) {
          failures.push(`#${index} (${source.format}): ${String(caught)}`);
          continue;
        }
        refused += 1;
        for (const issue of [...caught.issues, ...caught.warnings]) {
          const line = formatIssue(issue, "f");
          if (!ONE_LINE.test(line)) failures.push(`#${index} (${source.format}): ${JSON.stringify(line)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Most mutations break something; a fuzz run that refuses nothing tests nothing.
    expect(refused).toBeGreaterThan(MUTATED_SPECS / 2);
  }, 300_000);
});
