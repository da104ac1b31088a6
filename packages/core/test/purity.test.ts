// The core and the site are pure (DESIGN.md): this test fails the build if their sources reach for
// Node built-ins, the clock, randomness or the environment. ESLint enforces the same with a message.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./helpers.js";

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

const FORBIDDEN: readonly [RegExp, string][] = [
  [
    /from\s+["'](node:[^"']+|fs|path|child_process|os|net|http|https|crypto|process|url|util)(\/[^"']*)?["']/,
    "a Node built-in import",
  ],
  [/\brequire\s*\(/, "require()"],
  [/\bDate\.now\s*\(/, "Date.now()"],
  [/\bnew\s+Date\s*\(\s*\)/, "new Date()"],
  [/\bMath\.random\s*\(/, "Math.random()"],
  // The global, not the word: "KillMode=process" in a unit template is fine, process.env is not.
  [/\bprocess\s*(\.|\[)/, "process"],
  [/\bBuffer\b/, "Buffer"],
  [/\bconsole\./, "console"],
];

describe("purity", () => {
  for (const root of ["packages/core/src", "site/src"]) {
    it(`${root} uses no I/O, clock, randomness or environment`, () => {
      const findings = sources(join(repoRoot, root)).flatMap((file) => {
        const text = readFileSync(file, "utf8");
        return FORBIDDEN.filter(([pattern]) => pattern.test(text)).map(
          ([, what]) => `${relative(repoRoot, file)}: ${what}`,
        );
      });
      expect(findings).toEqual([]);
    });
  }

  it("the checks catch a violation", () => {
    const bad =
      'import { readFileSync } from "node:fs";\nconst t = Date.now() + Math.random() + process.env.X;';
    expect(FORBIDDEN.filter(([pattern]) => pattern.test(bad)).map(([, what]) => what)).toEqual([
      "a Node built-in import",
      "Date.now()",
      "Math.random()",
      "process",
    ]);
  });

  it("the core and the site compile without Node's types", () => {
    for (const config of ["packages/core/tsconfig.json", "site/tsconfig.json"]) {
      const text = readFileSync(join(repoRoot, config), "utf8");
      expect(text).toMatch(/"types":\s*\[\]/);
    }
  });
});
