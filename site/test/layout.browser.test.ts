// The review site's layout in a real browser (Debian's /usr/bin/chromium through playwright-core, as
// browser.test.ts): every kind of page, at a phone's width (390 px) and a desktop's (1400 px), never
// scrolls sideways; wide things (tables, the topology diagram, code) scroll inside their own box; a
// table never breaks a date or a node name in two. Screenshots of every page kind at both widths are
// kept in test-artifacts/site/layout/ (git-ignored) for a person to look at.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { repoRoot } from "./helpers.js";
import { kubescratch } from "./site-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const artifacts = join(repoRoot, "test-artifacts", "site", "layout");
const SPECS = ["current-ha.yaml", "seed-https.yaml"] as const;
const WIDTHS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1400, height: 900 },
] as const;

const available = existsSync(CHROMIUM);
const describeBrowser = available ? describe : describe.skip;
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs chromium`);

let browser: Browser;
let scratch: string;

beforeAll(async () => {
  if (!available) return;
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-site-layout-"));
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** `kubescratch generate`, then `kubescratch site` with its state; the site's directory. */
function buildSite(directory: string, spec: string): string {
  const generated = join(directory, "generated");
  const site = join(directory, "site");
  for (const args of [
    ["generate", join(repoRoot, "fixtures/specs", spec), "-o", generated],
    ["site", join(repoRoot, "fixtures/specs", spec), "-o", site, "--state", join(generated, "state.json")],
  ]) {
    const result = kubescratch(args);
    if (result.code !== 0)
      throw new Error(`kubescratch ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  }
  return site;
}

function htmlFilesUnder(directory: string): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith(".html")) out.push(relative(directory, full).replace(/\\/g, "/"));
    }
  };
  walk(directory);
  return out;
}

interface PageKind {
  readonly kind: string;
  /** Site path, with a query or fragment when the kind needs one. */
  readonly path: string;
}

/**
 * One page of every kind the site has: the overview, the certificates, the requirements, search with
 * results, a node's page (its top, and one of its file sections), the admin bundle's page and a shared
 * file's page. The file section and the shared page are the ones with the longest install path (the
 * titles most likely to overflow).
 */
function pageKinds(site: string): PageKind[] {
  const pages = htmlFilesUnder(site);
  const node = pages.filter((path) => path.startsWith("nodes/")).sort()[0];
  if (node === undefined) throw new Error("the site has no node page");
  const sections = [
    ...readFileSync(join(site, node), "utf8").matchAll(
      /<section class="file" id="([^"]*)">\s*<h3><code>([^<]*)/g,
    ),
  ].sort((a, b) => (b[2] as string).length - (a[2] as string).length);
  const longest = sections[0]?.[1];
  if (longest === undefined) throw new Error(`${node} has no file section`);
  const shared = pages.filter((path) => path.startsWith("shared/")).sort((a, b) => b.length - a.length)[0];
  const kinds: PageKind[] = [
    { kind: "overview", path: "index.html" },
    { kind: "certificates", path: "certificates.html" },
    { kind: "requirements", path: "requirements.html" },
    { kind: "search", path: "search.html?q=kubelet" },
    { kind: "node", path: node },
    { kind: "file", path: `${node}#${longest}` },
    { kind: "admin", path: "admin/index.html" },
  ];
  if (shared !== undefined) kinds.push({ kind: "shared-file", path: shared });
  for (const kind of kinds)
    if (!existsSync(join(site, kind.path.replace(/[?#].*$/, "")))) throw new Error(`no page ${kind.path}`);
  return kinds;
}

/** Elements that stick out of the viewport on the right without a scrolling box around them. */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const limit = document.documentElement.clientWidth + 1;
    const scrolls = (element: Element | null): boolean => {
      for (let at = element; at !== null && at !== document.body; at = at.parentElement) {
        const overflow = getComputedStyle(at).overflowX;
        if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
      }
      return false;
    };
    const out: string[] = [];
    for (const element of Array.from(document.body.querySelectorAll("*"))) {
      const box = element.getBoundingClientRect();
      if (box.right > limit && box.width > 0 && !scrolls(element.parentElement))
        out.push(
          `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${element.className && typeof element.className === "string" ? `.${element.className.split(" ").join(".")}` : ""} right=${Math.round(box.right)}: ${(element.textContent ?? "").slice(0, 60)}`,
        );
    }
    return out.slice(0, 10);
  });
}

/** Words (runs of non-space text) of table cells that the browser laid out on more than one line. */
function brokenTableWords(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const cell of Array.from(document.querySelectorAll("td, th"))) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        const text = node.textContent ?? "";
        for (const word of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, word.index);
          range.setEnd(node, word.index + word[0].length);
          const tops = new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top)));
          if (tops.size > 1) out.push(word[0]);
        }
      }
    }
    return out.slice(0, 10);
  });
}

describeBrowser.each(SPECS)("the layout of %s's review site", (spec) => {
  const name = spec.replace(/\.yaml$/, "");
  let site: string;
  let kinds: PageKind[];

  beforeAll(() => {
    site = buildSite(join(scratch, name), spec);
    kinds = pageKinds(site);
  }, 240_000);

  describe.each(WIDTHS)("at $name width ($width px)", ({ name: device, width, height }) => {
    it("no page kind scrolls sideways; tables keep their words whole; screenshots are kept", async () => {
      const context = await browser.newContext({ viewport: { width, height } });
      const problems: string[] = [];
      try {
        for (const { kind, path } of kinds) {
          const page = await context.newPage();
          const errors: string[] = [];
          page.on("pageerror", (error) => errors.push(error.message));
          await page.goto(
            `${pathToFileURL(join(site, path.replace(/[?#].*$/, ""))).toString()}${/[?#].*$/.exec(path)?.[0] ?? ""}`,
          );
          if (kind === "search") await page.locator("#results li").first().waitFor();
          const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
          if (scrollWidth > width)
            problems.push(
              `${kind} (${path}) is ${scrollWidth} px wide: ${(await overflowing(page)).join("; ")}`,
            );
          const broken = await brokenTableWords(page);
          if (broken.length > 0) problems.push(`${kind} (${path}) breaks table words: ${broken.join(", ")}`);
          if (errors.length > 0) problems.push(`${kind} (${path}) has script errors: ${errors.join("; ")}`);
          // What the screen shows: the top of the page (a file's section, scrolled to), and the
          // overview's topology diagram and node table.
          await page.screenshot({ path: join(artifacts, `${name}-${kind}-${device}.png`) });
          if (kind === "overview") {
            await page.evaluate(() => document.getElementById("topology")?.scrollIntoView());
            await page.screenshot({ path: join(artifacts, `${name}-${kind}-topology-${device}.png`) });
          }
          await page.close();
        }
      } finally {
        await context.close();
      }
      expect(problems).toEqual([]);
    });

    it("the header's theme button shares its line with the header's links", async () => {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(
        pathToFileURL(join(site, kinds.find((kind) => kind.kind === "node")?.path ?? "")).toString(),
      );
      const shares = await page.evaluate(() => {
        const button = (document.querySelector("button.theme") as Element).getBoundingClientRect();
        const middle = button.top + button.height / 2;
        return Array.from(document.querySelectorAll("header.top a"), (link) =>
          link.getBoundingClientRect(),
        ).some((link) => link.top <= middle && middle <= link.bottom);
      });
      expect(shares).toBe(true);
      await context.close();
    });

    it("the topology diagram is drawn at its own size (its box scrolls when the screen is narrower)", async () => {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(pathToFileURL(join(site, "index.html")).toString());
      const diagram = await page.locator("svg.topology").evaluate((svg: Element) => {
        const drawn = svg.getBoundingClientRect();
        const box = (svg as SVGSVGElement).viewBox.baseVal;
        const container = svg.parentElement as HTMLElement;
        return {
          scale: drawn.width / box.width,
          fits: drawn.width <= container.clientWidth + 1,
          scrolls: ["auto", "scroll"].includes(getComputedStyle(container).overflowX),
        };
      });
      expect(diagram.scale).toBeGreaterThanOrEqual(0.99);
      expect(diagram.fits || diagram.scrolls).toBe(true);
      await context.close();
    });
  });
});
