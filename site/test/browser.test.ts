// The review site in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run),
// driven by playwright-core; never a downloaded browser. The sites come from the built binary
// (`kubescratch generate`, then `kubescratch site --state` with generate's state), served by a small
// static server on 127.0.0.1 and also opened from file://.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { repoRoot } from "./helpers.js";
import { buildSites, filesUnder, secretValues, type FixtureSites } from "./site-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const artifacts = join(repoRoot, "test-artifacts", "site");
const SPECS = ["current-ha.yaml", "seed-https.yaml"] as const;

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".gz": "application/gzip",
};

/** A static file server for one directory, as any static host would serve the site. */
function serve(directory: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)).replace(
      /^(\.\.[/\\])+/,
      "",
    );
    let file = join(directory, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A file of a tarball, read with the real tar. */
function tarFile(tarball: string, path: string): string {
  const result = spawnSync("tar", ["-xzOf", tarball, path], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

const available = existsSync(CHROMIUM);
const describeBrowser = available ? describe : describe.skip;
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs chromium`);

let browser: Browser;
let scratch: string;

beforeAll(async () => {
  if (!available) return;
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-site-browser-"));
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describeBrowser.each(SPECS)("the review site of %s in Chromium", (spec) => {
  let sites: FixtureSites;
  let servers: { server: Server; origin: string }[] = [];
  let origin: string;
  let secretOrigin: string;
  let context: BrowserContext;
  const requests: string[] = [];
  let nodes: { name: string }[];
  let clusterName: string;

  beforeAll(async () => {
    sites = buildSites(join(scratch, spec), spec);
    const plan = JSON.parse(readFileSync(join(sites.generated, "plan.json"), "utf8")) as {
      clusterName: string;
      nodes: { name: string }[];
    };
    nodes = plan.nodes;
    clusterName = plan.clusterName;
    servers = [await serve(sites.site), await serve(sites.secretSite)];
    origin = (servers[0] as { origin: string }).origin;
    secretOrigin = (servers[1] as { origin: string }).origin;
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    // Every request is recorded; anything not on the site's own origin is refused.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      requests.push(url);
      if (url.startsWith(`${origin}/`) || url.startsWith(`${secretOrigin}/`) || url.startsWith("file://"))
        return route.continue();
      return route.abort();
    });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    for (const { server } of servers) server.close();
  });

  async function open(url: string): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(url);
    (page as Page & { errors: string[] }).errors = errors;
    return page;
  }

  it("the overview shows every node, with a topology diagram, and is screenshotted", async () => {
    const page = await open(`${origin}/index.html`);
    await expect(page.locator("h1").textContent()).resolves.toBe(clusterName);
    const listed = await page.locator("#node-table tbody a").allTextContents();
    expect(listed).toEqual(nodes.map((node) => node.name));
    const diagram = await page.locator("svg.topology").textContent();
    for (const node of nodes) expect(diagram).toContain(node.name);
    await page.screenshot({
      path: join(artifacts, `overview-${spec.replace(/\.yaml$/, "")}.png`),
      fullPage: true,
    });
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  });

  it("clicking through to a node and a file shows the file's bytes from generate's tarball", async () => {
    const page = await open(`${origin}/index.html`);
    const node = nodes[0] as { name: string };
    const tarball = join(sites.generated, "nodes", `${node.name}.tar.gz`);
    await page.locator("#node-table tbody a", { hasText: node.name }).first().click();
    await expect(page.locator("h1").textContent()).resolves.toContain(`Node ${node.name}`);
    // A node's own file: its section on the node's page.
    await page.locator("#file-tree a", { hasText: "kubelet.service" }).first().click();
    await page.waitForURL(/#f-/);
    const section = page.locator("section.file:target");
    await expect(section.locator("h3").textContent()).resolves.toContain(
      "/etc/systemd/system/kubelet.service",
    );
    const shown = await section.locator("pre.code:not(.diff) code").textContent();
    const actual = tarFile(tarball, "etc/systemd/system/kubelet.service");
    expect(`${shown}\n`).toBe(actual);
    await expect(section.locator("pre.code .k").count()).resolves.toBeGreaterThan(0);
    // One line of screen per line of file: each line follows the one before by exactly its height
    // (the newlines between the line elements once rendered as blank lines), and what a reader
    // copies has the file's lines.
    const layout = await section.locator("pre.code:not(.diff)").evaluate((pre: Element) => {
      const lines = Array.from(pre.querySelectorAll(".l"), (line) => line.getBoundingClientRect());
      return {
        steps: lines.slice(1).map((line, index) => Math.round(line.top - (lines[index] as DOMRect).top)),
        heights: lines.map((line) => Math.round(line.height)),
        copied: (pre as HTMLElement).innerText.split("\n").length,
      };
    });
    expect(new Set(layout.steps)).toEqual(new Set(layout.heights));
    expect(layout.copied).toBe(actual.split("\n").length - 1);
    // Its download (made by the page's script from the text it shows) is the file, byte for byte.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      section.locator('[data-download="file"]').click(),
    ]);
    expect(download.suggestedFilename()).toBe("kubelet.service");
    const saved = join(scratch, spec, `downloaded-${node.name}-kubelet.service`);
    await download.saveAs(saved);
    const bytes = spawnSync("tar", ["-xzOf", tarball, "etc/systemd/system/kubelet.service"]).stdout;
    expect(Buffer.compare(readFileSync(saved), bytes)).toBe(0);
    // The viewport: the file's section, scrolled to (the whole node page is long).
    await page.screenshot({ path: join(artifacts, `file-${spec.replace(/\.yaml$/, "")}.png`) });
    // Keyboard: "]" goes to the next file of the node.
    const before = page.url();
    await page.keyboard.press("]");
    await page.waitForURL((url) => url.toString() !== before);
    await expect(page.locator("section.file:target h3").textContent()).resolves.not.toContain(
      "kubelet.service",
    );
    // A file that every node holds byte for byte: one page of its own, linked from the node's list.
    await page.goBack();
    await page.goBack();
    await page.locator("#file-tree a", { hasText: "pod-routes" }).first().click();
    await expect(page.locator("h1").textContent()).resolves.toContain("/etc/kubernetes/network/pod-routes");
    await expect(page.locator(".holders a").allTextContents()).resolves.toEqual(
      nodes.map((entry) => entry.name),
    );
    const routes = await page.locator("section.file pre.code:not(.diff) code").textContent();
    expect(`${routes}\n`).toBe(tarFile(tarball, "etc/kubernetes/network/pod-routes"));
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
  });

  it("the tarball downloaded from the page equals the one generate writes", async () => {
    const node = nodes[nodes.length - 1] as { name: string };
    const written = readFileSync(join(sites.generated, "nodes", `${node.name}.tar.gz`));
    // The redacted site names the tarball's sha256 (it holds secrets, so it is not offered there).
    const redacted = await open(`${origin}/nodes/${node.name}/index.html`);
    await expect(redacted.locator('[data-sha256="tarball"]').textContent()).resolves.toBe(sha256(written));
    await redacted.close();
    const page = await open(`${secretOrigin}/nodes/${node.name}/index.html`);
    await expect(page.locator(".banner-secrets").count()).resolves.toBe(1);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator('[data-download="tarball"]').click(),
    ]);
    const saved = join(scratch, spec, `downloaded-${node.name}.tar.gz`);
    await download.saveAs(saved);
    expect(Buffer.compare(readFileSync(saved), written)).toBe(0);
    await page.close();
  });

  it("no private key, token or password appears anywhere in the default site", () => {
    const secrets = secretValues(sites.generated);
    expect(secrets.length).toBeGreaterThan(spec === "seed-https.yaml" ? 5 : 20);
    const leaks: string[] = [];
    for (const file of filesUnder(sites.site)) {
      const text = readFileSync(join(sites.site, file), "latin1");
      if (/PRIVATE KEY-----/.test(text)) leaks.push(`${file}: a PEM private key header`);
      for (const secret of secrets) if (text.includes(secret)) leaks.push(`${file}: ${secret.slice(0, 12)}…`);
    }
    expect(leaks).toEqual([]);
    // ... while the site with --include-secrets shows them, and says so on every page.
    const secretFiles = filesUnder(sites.secretSite);
    const all = secretFiles.map((file) => readFileSync(join(sites.secretSite, file), "latin1")).join("\n");
    expect(secrets.filter((secret) => all.includes(secret)).length).toBeGreaterThan(0);
    for (const file of secretFiles.filter((entry) => entry.endsWith(".html")))
      expect(readFileSync(join(sites.secretSite, file), "utf8")).toContain("This site shows secrets.");
  });

  it("a redacted file marks what it hides, and offers no download", async () => {
    const node = nodes[0] as { name: string };
    const page = await open(`${origin}/nodes/${node.name}/index.html`);
    // The node's own secret files: each section shows markers where the secrets were.
    const own = page.locator("#file-tree li:not(.dir)", { hasText: "secret, redacted" }).filter({
      hasNot: page.locator(".badge.shared"),
    });
    await expect(own.count()).resolves.toBeGreaterThan(0);
    await own.first().locator("a").click();
    await page.waitForURL(/#f-/);
    await expect(page.locator("section.file:target mark.redacted").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('section.file:target [data-download="file"]').count()).resolves.toBe(0);
    await page.close();
  });

  it("works from file:// and no request leaves the site", async () => {
    const page = await open(pathToFileURL(join(sites.site, "index.html")).toString());
    await expect(page.locator("#node-table tbody a").count()).resolves.toBe(nodes.length);
    // Scripts run from file:// too: the filter hides nodes.
    await page.locator("#node-filter").fill((nodes[0] as { name: string }).name);
    await expect(page.locator("#node-table tbody tr:not(.hidden)").count()).resolves.toBeLessThan(
      nodes.length + 1,
    );
    await page.locator("a", { hasText: "Search" }).first().click();
    await page.locator("#search").fill("kubelet.service");
    await expect(page.locator("#results li").count()).resolves.toBeGreaterThan(0);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.close();
    const outside = requests.filter(
      (url) =>
        !url.startsWith(`${origin}/`) &&
        !url.startsWith(`${secretOrigin}/`) &&
        !url.startsWith(pathToFileURL(scratch).toString()),
    );
    expect(requests.length).toBeGreaterThan(10);
    expect(outside).toEqual([]);
  });

  it("reads on a phone in dark mode", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark" });
    const page = await phone.newPage();
    await page.goto(`${origin}/index.html`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390 + 1);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(13, 17, 23)");
    await page.screenshot({
      path: join(artifacts, `overview-phone-dark-${spec.replace(/\.yaml$/, "")}.png`),
    });
    await phone.close();
  });
});
