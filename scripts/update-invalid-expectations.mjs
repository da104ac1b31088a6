// Rewrites the "# expect:" line of every fixtures/invalid/*.yaml from what the built CLI prints now.
// Review the diff before committing: these lines are the specification of the error messages.
// Usage: pnpm build && node scripts/update-invalid-expectations.mjs
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const directory = "fixtures/invalid";
for (const name of readdirSync(directory)
  .filter((file) => file.endsWith(".yaml"))
  .sort()) {
  const path = join(directory, name);
  let stderr = "";
  try {
    execFileSync("node", ["packages/cli/dist/main.js", "validate", "--quiet", path], { stdio: "pipe" });
  } catch (caught) {
    stderr = String(caught.stderr);
  }
  const errors = stderr
    .split("\n")
    .filter((line) => line.startsWith(`${path}:`) && !line.includes(": warning: "))
    .map((line) => line.slice(path.length + 1).replace(/^ /, ""));
  if (errors.length !== 1)
    throw new Error(`${path}: expected exactly one error, got ${errors.length}:\n${stderr}`);
  const text = readFileSync(path, "utf8").replace(/^# expect: .*$/m, `# expect: ${errors[0]}`);
  writeFileSync(path, text);
}
