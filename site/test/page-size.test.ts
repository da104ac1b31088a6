// Issue 16: no page of the site passes 2 MB at 5,000 nodes. Rendering 5,000 nodes takes minutes
// (`pnpm bench:site --nodes 5000` measures it); here two small clusters show how each page grows with
// the node count, and that growth, carried on to 5,000 nodes, must stay under the limit. Both sizes are
// past what changes a page's layout: the overview's topology draws TOPOLOGY_NODE_LIMIT nodes, and lists
// only expiring certificates past OVERVIEW_CERTIFICATE_LIMIT; the nodes carry long labels, so the admin
// bundle's nodes.yaml (a Node object per node) already fills more than two pages, as it does at 5,000
// nodes without them: its parts, full, stop growing, and the admin page with them.
import { gunzipSync } from "node:zlib";
import { bundleCluster } from "@kubescratch/core";
import { HtmlValidate } from "html-validate";
import { generateCluster, nativeSha256, nodeBundleOptions } from "@kubescratch/core/node";
import { CERTIFICATES_PER_PAGE } from "../src/pages/certificates.js";
import { CONTENT_PART_CHARS } from "../src/pages/file.js";
import { OVERVIEW_CERTIFICATE_LIMIT } from "../src/pages/overview.js";
import { readTarGz, renderSite, type Site } from "../src/index.js";
import { TOPOLOGY_NODE_LIMIT } from "../src/topology.js";
import { FIXED_NOW, shownFile } from "./helpers.js";

const LIMIT = 2 * 1024 * 1024;
const TARGET_NODES = 5000;
const SIZES = [TOPOLOGY_NODE_LIMIT + 2, TOPOLOGY_NODE_LIMIT + 42] as const;

/** The benchmark's cluster (scripts/bench-common.mjs), each node with labels the same for all. */
function spec(count: number): object {
  const labels = Object.fromEntries(
    Array.from({ length: 24 }, (_, index) => [
      `topology.example.com/label-${index}`,
      `a-value-long-enough-to-fill-the-nodes-yaml-${index}`,
    ]),
  );
  return {
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "Cluster",
    name: "bench",
    kubernetesVersion: "1.34",
    security: { keyAlgorithm: "ecdsa-p256", credentialLayout: "per-entity" },
    network: { mode: "routed", podCIDR: "10.64.0.0/10", serviceCIDR: "10.32.0.0/16" },
    nodes: Array.from({ length: count }, (_, index) => ({
      name: `node-${String(index).padStart(5, "0")}`,
      ip: `172.16.${Math.floor(index / 250)}.${(index % 250) + 1}`,
      roles: index < 3 ? ["control-plane", "etcd"] : ["worker"],
      labels,
    })),
  };
}

/**
 * What a page is, whatever the node count: the same path, but a shared file's page without the hash
 * in its name (the routes table's bytes change with every node) and a long file's parts as one.
 */
function kindOf(path: string): string {
  return path
    .replace(/\.[0-9a-f]{12}(?:-\d+)?(?=(?:\.part-\d+)?\.html$)/, "")
    .replace(/\.part-\d+\.html$/, ".part");
}

interface Rendered {
  readonly site: Site;
  /** The admin bundle's nodes.yaml, from its tarball. */
  readonly nodesYaml: string;
  readonly certificates: number;
}

const sites = new Map<number, Rendered>();

beforeAll(async () => {
  for (const count of SIZES) {
    const cluster = await generateCluster(spec(count) as never, { now: FIXED_NOW });
    // Node's zlib and SHA-256, as the CLI reads them: the same site, sooner.
    const bundles = bundleCluster(cluster, nodeBundleOptions);
    const nodesYaml = new TextDecoder().decode(
      readTarGz(bundles.admin.bytes, (bytes) => gunzipSync(bytes)).find((file) => file.path === "nodes.yaml")
        ?.bytes,
    );
    sites.set(count, {
      site: renderSite(
        { cluster, bundles },
        { now: FIXED_NOW, read: { gunzip: (bytes) => gunzipSync(bytes), sha256: nativeSha256 } },
      ),
      nodesYaml,
      certificates: cluster.pki.certificates.length,
    });
  }
}, 120_000);

describe("page sizes (issue 16)", () => {
  it("a file longer than a page holds is shown in parts: each a page's worth, together the file", () => {
    const [small, large] = SIZES.map((count) => sites.get(count)) as [Rendered, Rendered];
    for (const { site, nodesYaml } of [small, large]) {
      expect(nodesYaml.length).toBeGreaterThan(2 * CONTENT_PART_CHARS);
      const shown = shownFile(site, "admin", "nodes.yaml");
      expect(shown.page).toBe("admin/index.html");
      expect(shown.text).toBe(nodesYaml);
      expect(shown.parts.length).toBeGreaterThan(0);
      expect(shown.parts[0]).toBe("admin/nodes.yaml.part-2.html");
      const css = site.assets.find((asset) => asset.path === "assets/site.css")?.content as string;
      const pages = new Map(site.pages.map((page) => [page.path, page.content as string]));
      for (const part of shown.parts) {
        const html = pages.get(part) as string;
        const code = /<pre class="code lang-yaml from-(\d+)"[^>]*><code>([\s\S]*?)<\/code><\/pre>/.exec(html);
        // Its lines numbered on from the part before, by the stylesheet (no inline styles).
        expect(css).toContain(`pre.code.from-${code?.[1]}{counter-reset:line ${code?.[1]}}`);
        expect((code?.[2] ?? "").replace(/<[^>]*>/g, "").length).toBeLessThanOrEqual(CONTENT_PART_CHARS);
        // Back to the file's section, and on to the other parts.
        expect(html).toContain('href="../admin/index.html#f-nodes_yaml"');
        for (const other of shown.parts) if (other !== part) expect(html).toContain(`href="../${other}"`);
      }
      // The section says there is no download of a part: the tarball holds the file.
      expect(shown.section).not.toContain('data-download="file"');
    }
    // More nodes, more parts; the admin page keeps its size.
    const adminSize = (site: Site): number =>
      (site.pages.find((page) => page.path === "admin/index.html")?.content as string).length;
    expect(shownFile(large.site, "admin", "nodes.yaml").parts.length).toBeGreaterThan(
      shownFile(small.site, "admin", "nodes.yaml").parts.length,
    );
    expect(adminSize(large.site) - adminSize(small.site)).toBeLessThan(20_000);
  });

  it("the admin page and a part's page are valid HTML (links.test.ts's rules)", async () => {
    const validator = new HtmlValidate({
      extends: ["html-validate:recommended"],
      rules: { "no-inline-style": "error", "prefer-native-element": "off", "no-redundant-role": "off" },
    });
    const site = sites.get(SIZES[0])?.site as Site;
    const problems: string[] = [];
    for (const path of ["admin/index.html", "admin/nodes.yaml.part-2.html"]) {
      const page = site.pages.find((entry) => entry.path === path);
      expect(page).toBeDefined();
      const report = await validator.validateString(page?.content as string, path);
      for (const result of report.results)
        for (const message of result.messages)
          problems.push(`${path}:${message.line} ${message.ruleId} ${message.message}`);
    }
    expect(problems).toEqual([]);
  });

  it(`no page, carried on to ${TARGET_NODES} nodes, passes 2 MB`, () => {
    const [first, second] = SIZES;
    for (const count of SIZES)
      expect(sites.get(count)?.certificates).toBeGreaterThan(OVERVIEW_CERTIFICATE_LIMIT);
    // The largest page (and the search index its page loads) of each kind, at each size.
    const largest = (site: Site): Map<string, number> => {
      const out = new Map<string, number>();
      for (const file of [...site.pages, ...site.assets.filter((asset) => asset.path.endsWith(".js"))]) {
        const kind = kindOf(file.path);
        out.set(kind, Math.max(out.get(kind) ?? 0, (file.content as string).length));
      }
      return out;
    };
    const before = largest(sites.get(first)?.site as Site);
    const after = largest(sites.get(second)?.site as Site);
    const projected: [string, number][] = [];
    for (const [kind, size] of after) {
      const was = before.get(kind);
      // The certificate inventory grows by rows up to CERTIFICATES_PER_PAGE a page: checked below.
      if (was === undefined || /^certificates(-\d+)?\.html$/.test(kind)) continue;
      const perNode = Math.max(0, size - was) / (second - first);
      projected.push([kind, Math.round(size + perNode * (TARGET_NODES - second))]);
    }
    expect(projected.length).toBeGreaterThan(SIZES[0]);
    expect(projected.filter(([, size]) => size >= LIMIT)).toEqual([]);
    // A full page of the inventory stays under it too, its rows as large as the first page's on
    // average (heading and all).
    const inventory = sites.get(second)?.site.pages.find((page) => page.path === "certificates.html");
    const html = inventory?.content as string;
    const rows = html.match(/<tr id="cert-/g)?.length ?? 0;
    expect(rows).toBeGreaterThan(second);
    expect((html.length / rows) * CERTIFICATES_PER_PAGE).toBeLessThan(LIMIT);
  });
});
