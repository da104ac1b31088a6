import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = join(__dirname, "..", "..", "..");

export function fixtureFiles(kind: "specs" | "invalid"): { name: string; path: string; text: string }[] {
  const directory = join(repoRoot, "fixtures", kind);
  return readdirSync(directory)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const path = join(directory, file);
      return { name: file, path, text: readFileSync(path, "utf8") };
    });
}

/** The "# expect:" line of an invalid fixture: "LINE:COL: /pointer: message Fix: fix". */
export function expectedError(text: string): string {
  const match = /^# expect: (.*)$/m.exec(text);
  if (!match?.[1]) throw new Error("fixture has no '# expect:' line");
  return match[1];
}
