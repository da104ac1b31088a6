// Spec text that is hostile or merely careless: every problem is one line with a position, found
// quickly, and never an exception other than SpecError.
import { formatIssue, parseSpec, parseSpecText, SPEC_LIMITS, SpecError } from "../src/index.js";

function problems(text: string, format: "yaml" | "json" = "yaml"): string[] {
  try {
    parseSpecText(text, { format, fileName: format === "json" ? "spec.json" : "spec.yaml" });
  } catch (caught) {
    if (caught instanceof SpecError) return caught.issues.map((issue) => formatIssue(issue, "f"));
    throw caught;
  }
  throw new Error("the spec was accepted");
}

const VALID_JSON_LINES = [
  "{",
  '  "apiVersion": "kubescratch.dev/v1alpha1",',
  '  "kind": "Cluster",',
  '  "name": "json",',
  '  "nodes": [{ "name": "a", "ip": "10.1.0.1", "roles": ["control-plane", "etcd", "worker"] }]',
  "}",
];

/** Nine anchors, each a list of nine of the one before: 9^9 strings once expanded. */
function billionLaughs(where: string): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level < 9; level += 1)
    lines.push(
      `a${level}: &a${level} [${Array(9)
        .fill(`*a${level - 1}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n${where}: *a8\n`;
}

describe("bounded reading", () => {
  it("refuses a YAML billion laughs at once, at the entry whose aliases multiply", () => {
    const started = Date.now();
    const lines = problems(billionLaughs("apiVersion"));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines).toEqual([
      expect.stringMatching(
        /^f:9:9: \/a8: the spec expands to \d+ values once its YAML aliases are followed; a spec may hold at most 200000\. Fix: /,
      ),
    ]);
  });

  it("counts a shared value once per place it appears, not once", () => {
    const shared = { list: Array.from({ length: 1000 }, (_, index) => index) };
    const document = { apiVersion: Array.from({ length: 300 }, () => shared) };
    expect(() => parseSpec(document)).toThrow(/expands to 300602 values/);
  });

  it("refuses nesting deeper than the limit, in YAML and in JSON, without a stack overflow", () => {
    const deep = 100_000;
    // js-yaml stops at 100 levels itself, and says where.
    expect(problems(`${"[".repeat(deep)}${"]".repeat(deep)}`)).toEqual([
      expect.stringMatching(/^f:1:100: \/: the text is not valid YAML: nesting exceeded maxDepth \(100\)\./),
    ]);
    expect(problems(`${"[".repeat(deep)}${"]".repeat(deep)}`, "json")).toEqual([
      expect.stringMatching(/^f:1:33: \/: the spec nests deeper than 32 levels\./),
    ]);
    const justTooDeep = SPEC_LIMITS.depth + 2;
    expect(problems(`apiVersion: ${"[".repeat(justTooDeep)}${"]".repeat(justTooDeep)}\n`)).toEqual([
      expect.stringMatching(/nests deeper than 32 levels/),
    ]);
  });

  it("refuses a text longer than the limit before parsing it", () => {
    expect(problems(`# ${"x".repeat(SPEC_LIMITS.characters)}\n`)).toEqual([
      expect.stringMatching(/^f: \/: the spec is 4194307 characters long; a spec may hold at most 4194304\./),
    ]);
  });
});

describe("JSON", () => {
  it("places a syntax error at its line and column, on one line", () => {
    const text = [...VALID_JSON_LINES.slice(0, 4), "  oops", ...VALID_JSON_LINES.slice(4)].join("\n");
    expect(problems(text, "json")).toEqual([
      "f:5:3: /: the text is not valid JSON: a character that cannot start a JSON value. Fix: Fix the JSON syntax at the position shown, or pass the spec as YAML.",
    ]);
  });

  it("refuses a trailing comma and comments, where they are", () => {
    expect(problems('{\n  "name": "x",\n}', "json")[0]).toMatch(
      /^f:3:1: \/: the text is not valid JSON: a property name/,
    );
    expect(problems('{\n  // note\n  "name": "x"\n}', "json")[0]).toMatch(
      /^f:2:3: \/: the text is not valid JSON: JSON has no comments/,
    );
  });

  it("accepts a byte-order mark, as YAML does, and reports the real mistake", () => {
    const text = `\uFEFF${VALID_JSON_LINES.join("\n")}`;
    expect(parseSpecText(text, { format: "json" }).spec.name).toBe("json");
    expect(parseSpecText(text).spec.name).toBe("json");
    expect(problems(`\uFEFF${VALID_JSON_LINES.join("\n").replace('"json"', '"JSON"')}`, "json")).toEqual([
      expect.stringMatching(/^f:4:11: \/name: "JSON" is not in the expected form/),
    ]);
  });

  it("refuses a repeated key at the second one, with its pointer (JSON.parse would keep the last)", () => {
    const text = [...VALID_JSON_LINES.slice(0, 4), '  "name": "other",', ...VALID_JSON_LINES.slice(4)].join(
      "\n",
    );
    expect(problems(text, "json")).toEqual([
      'f:5:3: /name: the key "name" appears twice in one object; JSON readers keep only the last. Fix: Keep one of the two entries.',
    ]);
    const nested = VALID_JSON_LINES.join("\n").replace(
      '"ip": "10.1.0.1",',
      '"ip": "10.1.0.1", "ip": "10.1.0.2",',
    );
    expect(problems(nested, "json")).toEqual([
      expect.stringMatching(/^f:5:46: \/nodes\/0\/ip: the key "ip" appears twice/),
    ]);
  });
});

describe("YAML", () => {
  it("places a second document at its --- line", () => {
    expect(problems("name: a\n---\nname: b\n")).toEqual([
      expect.stringMatching(/^f:2:1: \/: the text holds more than one YAML document/),
    ]);
  });

  it("places a NUL byte at its own line and column (js-yaml's mark stops counting lines there)", () => {
    expect(problems("apiVersion: x\nkind: y\nname: a\u0000b\n")).toEqual([
      expect.stringMatching(/^f:3:8: \/: the text is not valid YAML: null byte is not allowed in input\./),
    ]);
  });

  it("prints a key or value with control characters escaped, so every problem stays one line", () => {
    const lines = problems('apiVersion: kubescratch.dev/v1alpha1\n"\\n[x]\\u0007": 1\nname: "a\\tb"\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'f:2:1: /\\n[x]\\u0007: the key "\\n[x]\\u0007" holds the control character U+000A. Fix: Write the key without control characters; the reference lists every key allowed here.',
        expect.stringContaining('f:3:7: /name: "a\\tb" holds the control character U+0009: '),
      ]),
    );
    for (const line of lines)
      expect([...line].filter((character) => character.charCodeAt(0) < 32)).toEqual([]);
  });
});
