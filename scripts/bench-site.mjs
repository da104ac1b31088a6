// pnpm bench:site: the review site of a large cluster. Runs the real `kubescratch generate` and then
// `kubescratch site --state` (under /usr/bin/time -v: wall time, peak RSS) for each size, and reports
// pages, pages per node, total and largest page size and the pages past 2 MB (issue 16: none at 5,000
// nodes; a long file's text is shown in parts), the search index's size, the certificate inventory's
// pages, and whether the site stays navigable: the overview links every node, a node page links every
// file of its tarball (its own section, or the page of a file several nodes share), and no page is one
// giant page. The site runs --runs times
// (default 3) on the same generation; the table gives the median time and peak RSS, and each run.
// Needs `pnpm build` first (pnpm bench:site runs it).
//
//   node scripts/bench-site.mjs [--nodes 100,1000] [--runs 3] [--include-secrets]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { parseArgs } from "node:util";
import { benchCluster, median, timedCli } from "./bench-common.mjs";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "100,1000" },
    runs: { type: "string", default: "3" },
    "include-secrets": { type: "boolean", default: false },
  },
});
function walk(directory) {
  const files = [];
  const visit = (path) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      const stat = statSync(full);
      if (stat.isDirectory()) visit(full);
      else files.push({ path: full.slice(directory.length + 1), size: stat.size });
    }
  };
  visit(directory);
  return files;
}

/** No page past 2 MB (issue 16): the run fails if one is. */
const PAGE_LIMIT = 2 * 1024 * 1024;
const rows = [];
for (const count of values.nodes.split(",").map(Number)) {
  const directory = mkdtempSync(join(tmpdir(), "kubescratch-bench-site-"));
  try {
    const specFile = join(directory, "cluster.json");
    writeFileSync(specFile, JSON.stringify(benchCluster(count)));
    const generate = timedCli(["generate", specFile, "-o", join(directory, "out")]);
    const site = join(directory, "site");
    const renders = [];
    for (let run = 0; run < Number(values.runs); run += 1) {
      rmSync(site, { recursive: true, force: true });
      renders.push(
        timedCli([
          "site",
          specFile,
          "-o",
          site,
          "--state",
          join(directory, "out", "state.json"),
          ...(values["include-secrets"] ? ["--include-secrets"] : []),
        ]),
      );
    }
    const render = {
      seconds: median(renders.map((entry) => entry.seconds)),
      rss: median(renders.map((entry) => entry.rss)),
      runs: renders.map((entry) => entry.seconds),
    };
    const files = walk(site);
    const pages = files.filter((file) => file.path.endsWith(".html"));
    const nodePages = pages.filter((file) => /^nodes\/[^/]+\/index\.html$/.test(file.path));
    const largest = pages.reduce((top, file) => (file.size > top.size ? file : top), { size: 0, path: "" });
    // Navigable: the overview links every node page, and a node page links every file of its tarball,
    // each link landing on a section of the page or on a page that exists.
    const overview = readFileSync(join(site, "index.html"), "utf8");
    const linkedNodes = new Set(
      [...overview.matchAll(/href="nodes\/([^/"]+)\/index\.html"/g)].map((m) => m[1]),
    );
    const firstNode = readFileSync(join(site, nodePages[0].path), "utf8");
    const nodeName = nodePages[0].path.split("/")[1];
    const listing = spawnSync("tar", ["-tzf", join(directory, "out", "nodes", `${nodeName}.tar.gz`)], {
      encoding: "utf8",
    });
    const nodeFiles = listing.stdout.split("\n").filter((path) => path !== "" && !path.endsWith("/")).length;
    const links = [...firstNode.matchAll(/data-nav href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, "&"));
    const landed = links.filter((link) => {
      const [path, fragment] = link.split("#");
      if (path === "") return firstNode.includes(`id="${fragment}"`);
      return existsSync(normalize(join(site, dirname(nodePages[0].path), decodeURIComponent(path))));
    }).length;
    rows.push({
      count,
      generate,
      render,
      pages: pages.length,
      perNode: (pages.length - 4) / (count + 1),
      total: files.reduce((sum, file) => sum + file.size, 0),
      htmlTotal: pages.reduce((sum, file) => sum + file.size, 0),
      largest,
      overLimit: pages.filter((file) => file.size > PAGE_LIMIT).length,
      largestNode: Math.max(...nodePages.map((file) => file.size)),
      overview: statSync(join(site, "index.html")).size,
      searchIndex: statSync(join(site, "assets", "search-index.js")).size,
      certificatePages: pages.filter((file) => /^certificates(-\d+)?\.html$/.test(file.path)),
      navigable:
        linkedNodes.size === count &&
        nodePages.length === count &&
        nodeFiles > 0 &&
        links.length === nodeFiles &&
        landed === nodeFiles,
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `kubescratch site benchmark — ${new Date().toISOString()}${values["include-secrets"] ? " (with secrets)" : ""}`,
);
console.log(
  [
    "nodes",
    "generate s",
    "site s",
    "site peak RSS MB",
    "pages",
    "pages/bundle",
    "site MB",
    "HTML MB",
    "overview KB",
    "largest page",
    "pages > 2 MB",
    "largest node page KB",
    "search index KB",
    "certificate pages (largest KB)",
    "navigable",
    "site runs s",
  ].join(" | "),
);
for (const row of rows) {
  console.log(
    [
      row.count,
      row.generate.seconds.toFixed(1),
      row.render.seconds.toFixed(1),
      Math.round(row.render.rss),
      row.pages,
      row.perNode.toFixed(1),
      mb(row.total),
      mb(row.htmlTotal),
      Math.round(row.overview / 1024),
      `${row.largest.path} (${Math.round(row.largest.size / 1024)} KB)`,
      row.overLimit,
      Math.round(row.largestNode / 1024),
      Math.round(row.searchIndex / 1024),
      `${row.certificatePages.length} (${Math.round(Math.max(...row.certificatePages.map((file) => file.size)) / 1024)})`,
      row.navigable ? "yes" : "NO",
      row.render.runs.map((seconds) => seconds.toFixed(1)).join(" "),
    ].join(" | "),
  );
}
if (rows.some((row) => !row.navigable || row.overLimit > 0)) process.exitCode = 1;
