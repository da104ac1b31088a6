// Search over file contents in Debian's Chromium (/usr/bin/chromium via playwright-core; never a
// downloaded browser), from file://: a grown cluster rendered with --previous, as users run it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { repoRoot } from "./helpers.js";
import { kubescratch, secretValues } from "./site-fixture.js";

let browser: Browser;
let scratch: string;
let site: string;

function run(args: readonly string[]): void {
  const result = kubescratch(args);
  if (result.code !== 0) throw new Error(`kubescratch ${args.join(" ")} failed: ${result.stderr}`);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-search-"));
  const spec = readFileSync(join(repoRoot, "fixtures/specs/minimal.yaml"), "utf8");
  writeFileSync(join(scratch, "one.yaml"), spec);
  writeFileSync(
    join(scratch, "two.yaml"),
    `${spec}  - name: worker-4\n    ip: 192.168.10.14\n    roles: [worker]\n`,
  );
  mkdirSync(join(scratch, "state"));
  run(["generate", join(scratch, "one.yaml"), "-o", join(scratch, "gen1")]);
  const state = join(scratch, "state", "state.json");
  writeFileSync(state, readFileSync(join(scratch, "gen1", "state.json")));
  run(["generate", join(scratch, "two.yaml"), "-o", join(scratch, "gen2"), "--state", state]);
  site = join(scratch, "site");
  run(["site", join(scratch, "two.yaml"), "-o", site, "--state", state, "--previous", join(scratch, "gen1")]);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function search(query: string): Promise<{ page: Page; results: string[]; count: string }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${pathToFileURL(join(site, "search.html")).toString()}?q=${encodeURIComponent(query)}`);
  await page.locator("#result-count").filter({ hasText: "matching" }).waitFor();
  expect(errors).toEqual([]);
  return {
    page,
    results: await page.locator("#results li a").allTextContents(),
    count: (await page.locator("#result-count").textContent()) ?? "",
  };
}

describe("search over file contents", () => {
  it("finds a flag only a file's content holds, and the link shows it", async () => {
    const { page, results } = await search("service-cluster-ip-range");
    expect(results).toContain("master: /etc/kubernetes/manifests/kube-apiserver.yaml");
    await page.locator("#results li a", { hasText: "kube-apiserver.yaml" }).first().click();
    await expect(page.locator("section.file:target").textContent()).resolves.toContain(
      "--service-cluster-ip-range",
    );
    await page.close();
  });

  it("finds a node's own values in its files, and a shared file once", async () => {
    const { page, results, count } = await search("192.168.10.12");
    // worker-2's kubelet unit holds its IP (--node-ip); the routes table every node shares holds it too.
    expect(results).toContain("worker-2: /etc/systemd/system/kubelet.service");
    expect(results).not.toContain("worker-3: /etc/systemd/system/kubelet.service");
    expect(results.filter((text) => text === "/etc/kubernetes/network/pod-routes")).toHaveLength(1);
    expect(count).toMatch(/^\d+ matching files/);
    await page.close();
  });

  it("finds what changed, and keeps secrets out of the index", async () => {
    const { page, results } = await search("worker-4 added");
    expect(results.length).toBeGreaterThan(10);
    await page.close();
    const index = readFileSync(join(site, "assets", "search-index.js"), "utf8");
    for (const secret of secretValues(join(scratch, "state")))
      expect(index).not.toContain(secret.toLowerCase());
  });
});
