// The site as a checker and a crawler see it: every page passes html-validate's recommended rules
// (with the few exceptions below, each explained), and a crawler starting at index.html reaches every
// page by following links, none of them broken or leaving the site.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize, relative } from "node:path";
import { HtmlValidate } from "html-validate";
import { renderSite, type Site } from "../src/index.js";
import { FIXED_NOW, generateFixture, writeSite } from "./helpers.js";

const validator = new HtmlValidate({
  extends: ["html-validate:recommended"],
  rules: {
    // Long lines of generated code and tables are fine; the site has no inline styles at all.
    "no-inline-style": "error",
    // Redaction markers and badges are plain text in spans.
    "prefer-native-element": "off",
    // The download attribute on links to local files is the point.
    "no-redundant-role": "off",
  },
});

const sites: [string, Site, string][] = [];

beforeAll(async () => {
  for (const [spec, includeSecrets] of [
    ["current-ha.yaml", false],
    ["seed-https.yaml", false],
    ["seed-https.yaml", true],
  ] as const) {
    const cluster = await generateFixture(spec);
    const site = renderSite({ cluster }, { now: FIXED_NOW, includeSecrets });
    const directory = mkdtempSync(join(tmpdir(), "kubescratch-site-links-"));
    writeSite(directory, site);
    sites.push([`${spec}${includeSecrets ? " with secrets" : ""}`, site, directory]);
  }
});

afterAll(() => {
  for (const [, , directory] of sites) rmSync(directory, { recursive: true, force: true });
});

describe.each([0, 1, 2])("site %#", (index) => {
  it("every page is valid HTML", async () => {
    const [, site] = sites[index] as [string, Site, string];
    const problems: string[] = [];
    for (const page of site.pages) {
      const report = await validator.validateString(page.content as string, page.path);
      for (const result of report.results)
        for (const message of result.messages)
          problems.push(
            `${page.path}:${message.line}:${message.column} ${message.ruleId} ${message.message}`,
          );
    }
    const rules = new Map<string, number>();
    for (const problem of problems) {
      const rule = problem.split(" ")[1] as string;
      rules.set(rule, (rules.get(rule) ?? 0) + 1);
    }
    expect([...rules]).toEqual([]);
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it("a crawler from index.html reaches every page, and no link is broken or leaves the site", () => {
    const [, site, directory] = sites[index] as [string, Site, string];
    const pages = new Map(site.pages.map((page) => [page.path, page.content as string]));
    const assets = new Set(site.assets.map((asset) => asset.path));
    const seen = new Set<string>(["index.html"]);
    const queue = ["index.html"];
    const broken: string[] = [];
    const external: string[] = [];
    while (queue.length > 0) {
      const from = queue.shift() as string;
      const html = pages.get(from) as string;
      for (const match of html.matchAll(/\b(?:href|src)="([^"]*)"/g)) {
        const url = (match[1] as string).replace(/&amp;/g, "&");
        if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("//")) {
          if (!url.startsWith("http://www.w3.org/2000/svg")) external.push(`${from}: ${url}`);
          continue;
        }
        const [pathAndQuery, fragment] = url.split("#") as [string, string | undefined];
        const path = decodeURIComponent((pathAndQuery.split("?")[0] as string) || "");
        const target = path === "" ? from : normalize(join(dirname(from), path)).replace(/\\/g, "/");
        if (!pages.has(target) && !assets.has(target)) {
          broken.push(`${from}: ${url}`);
          continue;
        }
        if (!existsSync(join(directory, target))) broken.push(`${from}: ${url} (not written)`);
        if (fragment && pages.has(target) && !(pages.get(target) as string).includes(`id="${fragment}"`))
          broken.push(`${from}: ${url} (no #${fragment})`);
        if (pages.has(target) && !seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    expect(broken.slice(0, 20)).toEqual([]);
    expect(external).toEqual([]);
    expect([...pages.keys()].filter((path) => !seen.has(path))).toEqual([]);
    // Pages are files of their own: one per node and one per file, never one giant page.
    expect(relative(directory, join(directory, "index.html"))).toBe("index.html");
    expect(Math.max(...site.pages.map((page) => (page.content as string).length))).toBeLessThan(400_000);
    expect(readFileSync(join(directory, "assets/site.js"), "utf8")).not.toMatch(/https?:\/\//);
  });
});
