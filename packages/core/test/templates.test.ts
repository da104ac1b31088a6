// The templates under packages/core/templates/ are the source of every unit, script body and config
// layout; the generated module that embeds them must match them.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { TEMPLATES } from "../src/render/generated/templates.js";
import { renderTemplate } from "../src/render/template.js";
import { repoRoot } from "./helpers.js";

const templateDir = join(repoRoot, "packages/core/templates");

describe("packages/core/templates", () => {
  it("is what the generated module embeds (pnpm gen was run)", () => {
    expect(() =>
      execFileSync("node", ["scripts/gen-templates.mjs", "--check"], { cwd: repoRoot, stdio: "pipe" }),
    ).not.toThrow();
    const files = readdirSync(templateDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith(".") && entry.name !== "README.md")
      .map((entry) => join(entry.parentPath, entry.name).slice(templateDir.length + 1))
      .sort();
    expect(Object.keys(TEMPLATES).sort()).toEqual(files);
  });

  it("names a stale module and fails when a template changed without pnpm gen", () => {
    const result = spawnSync("node", ["scripts/gen-templates.mjs", "--check"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, KUBESCRATCH_TEMPLATES_EXTRA: "stale-check.hbs" },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("templates.ts is stale: run `pnpm gen`");
  });

  it("refuses a value the template does not get (a typo cannot render as empty)", () => {
    expect(() => renderTemplate("kubelet.service.hbs", { path: "/x", node: "n" })).toThrow(/not defined/);
  });
});
