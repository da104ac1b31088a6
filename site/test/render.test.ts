// renderSite as a function: deterministic, redacts by content, marks changes against a previous
// generation with line diffs, and its pieces (tar reader, line diff) agree with the real tools.
import { bundleCluster, generateCluster } from "@kubescratch/core";
import fc from "fast-check";
import { diffLines, hunks } from "../src/diff.js";
import { readTarGz, renderSite } from "../src/index.js";
import { redact } from "../src/redact.js";
import { fixtureSpec, premadeKeys, seededRandom } from "../../packages/core/test/pki-helpers.js";
import { FIXED_NOW, generateFixture, shownFile, type ShownFile } from "./helpers.js";

function text(content: string | Uint8Array): string {
  return typeof content === "string" ? content : new TextDecoder().decode(content);
}

describe("renderSite", () => {
  it("gives the same pages for the same generation, and reads the tarballs' own files", async () => {
    const cluster = await generateFixture("seed-https.yaml");
    const first = renderSite({ cluster }, { now: FIXED_NOW });
    const second = renderSite({ cluster }, { now: FIXED_NOW });
    expect(second).toEqual(first);
    const bundle = bundleCluster(cluster).nodes[0];
    const files = readTarGz(bundle?.bytes as Uint8Array).map((file) => file.path);
    expect(files).toContain("install.sh");
    for (const path of files)
      expect(() => shownFile(first, `nodes/${cluster.nodes[0]?.name}`, path)).not.toThrow();
  });

  it.each([
    ["current-ha.yaml", false],
    ["seed-https.yaml", false],
    ["seed-https.yaml", true],
  ] as const)(
    "%s (secrets shown: %s): every file of every bundle is one link away and shows the tarball's bytes",
    async (spec, includeSecrets) => {
      const cluster = await generateFixture(spec);
      const bundles = bundleCluster(cluster);
      const site = renderSite({ cluster, bundles }, { now: FIXED_NOW, includeSecrets });
      let redacted = 0;
      for (const [id, bundle] of [
        ...bundles.nodes.map(
          (entry) => [`nodes/${entry.fileName.replace(/\.tar\.gz$/, "")}`, entry] as const,
        ),
        ["admin", bundles.admin] as const,
      ]) {
        for (const file of readTarGz(bundle.bytes)) {
          const shown = shownFile(site, id, file.path);
          const text = new TextDecoder().decode(file.bytes);
          if (shown.section.includes('<mark class="redacted"')) {
            redacted += 1;
            expect(includeSecrets).toBe(false);
            expect(shown.text).not.toBe(text);
          } else expect(shown.text).toBe(text);
          // The download the page offers is made from the text it shows: only when that is the file.
          expect(shown.section.includes('data-download="file"')).toBe(
            shown.text === text && shown.parts.length === 0,
          );
        }
      }
      expect(redacted > 0).toBe(!includeSecrets);
    },
  );

  it("shows a file several bundles hold byte for byte once, on a page that links every holder", async () => {
    const cluster = await generateFixture("current-ha.yaml");
    const site = renderSite({ cluster }, { now: FIXED_NOW });
    const names = cluster.nodes.map((node) => node.name);
    const shown = names.map((name) => shownFile(site, `nodes/${name}`, "etc/kubernetes/network/pod-routes"));
    expect(new Set(shown.map((entry) => entry.page)).size).toBe(1);
    const page = shown[0] as ShownFile;
    expect(page.page).toMatch(/^shared\/etc\/kubernetes\/network\/pod-routes\.[0-9a-f]{12}\.html$/);
    for (const name of names) expect(page.html).toContain(`href="../../../../nodes/${name}/index.html"`);
    // A node's own files stay on its page.
    for (const name of names)
      expect(shownFile(site, `nodes/${name}`, "install.sh").page).toBe(`nodes/${name}/index.html`);
    // Pages are far fewer than files: one per bundle, one per shared file and four more.
    const files = cluster.nodes.length + 1;
    expect(site.pages.length).toBeLessThan(files * 2 + 30);
  });

  it("keeps pages ASCII and free of NUL: every redaction marked, other characters as references", async () => {
    for (const spec of ["current-ha.yaml", "seed-https.yaml"]) {
      const cluster = await generateFixture(spec);
      const site = renderSite({ cluster }, { now: FIXED_NOW });
      for (const page of site.pages) {
        const content = text(page.content);
        expect([page.path, /[^\n\t\x20-\x7e]/.exec(content)?.[0]]).toEqual([page.path, undefined]);
      }
      const kubeconfig = shownFile(site, `nodes/${cluster.nodes[0]?.name}`, "var/lib/kubelet/kubeconfig");
      expect(kubeconfig.section).toMatch(
        /<mark class="redacted"[^>]*>\[REDACTED: (client-key-data|token) \(/,
      );
    }
  });

  it("says on every page when secrets are shown, and offers the tarballs only then", async () => {
    const cluster = await generateFixture("seed-https.yaml");
    const redacted = renderSite({ cluster }, { now: FIXED_NOW });
    const shown = renderSite({ cluster }, { now: FIXED_NOW, includeSecrets: true });
    expect(redacted.pages.every((page) => !text(page.content).includes("This site shows secrets."))).toBe(
      true,
    );
    expect(shown.pages.every((page) => text(page.content).includes("This site shows secrets."))).toBe(true);
    expect(redacted.assets.filter((asset) => asset.path.endsWith(".tar.gz"))).toEqual([]);
    expect(shown.assets.filter((asset) => asset.path.endsWith(".tar.gz")).map((asset) => asset.path)).toEqual(
      [...cluster.nodes.map((node) => `nodes/${node.name}.tar.gz`), "admin.tar.gz"],
    );
  });

  it("marks what changed against a previous generation, with a line diff of the routes", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const options = { now: FIXED_NOW, random: seededRandom("diff"), keys: premadeKeys() };
    const before = await generateCluster(spec, options);
    const grown = {
      ...spec,
      nodes: [
        ...spec.nodes,
        { name: "worker-4", ip: "192.168.50.24", roles: ["worker" as const], labels: {} },
      ],
    };
    const after = await generateCluster(grown, {
      ...options,
      keys: premadeKeys(),
      previousState: before.state,
    });
    const previous = bundleCluster(before);
    const site = renderSite(
      { cluster: after },
      {
        now: FIXED_NOW,
        previous: {
          bundles: [
            ...previous.nodes.map((bundle) => ({
              name: bundle.fileName.replace(/\.tar\.gz$/, ""),
              bytes: bundle.bytes,
            })),
            { name: "admin", bytes: previous.admin.bytes },
          ],
        },
      },
    );
    const overview = text(site.pages.find((page) => page.path === "index.html")?.content ?? "");
    expect(overview).toContain("Changes against the previous generation");
    expect(overview).toMatch(/worker-4<\/a> <span class="badge added">added/);
    const routes = shownFile(site, "nodes/worker-1", "etc/kubernetes/network/pod-routes");
    expect(routes.html).toContain('<span class="badge changed">changed</span>');
    expect(routes.section).toMatch(/<span class="l add">\+.*192\.168\.50\.24/);
    // The new node's table holds the same bytes as the others': the same shared page, which marks the
    // file added in worker-4's bundle and changed in the others (issue 16).
    const added = shownFile(site, "nodes/worker-4", "etc/kubernetes/network/pod-routes");
    expect(added.page).toBe(routes.page);
    expect(added.html).toContain('worker-4</a> <span class="badge added">added</span>');
    expect(added.section).toMatch(/This file is changed in \d+ bundles, added in 1 bundle\./);
    const worker4 = text(site.pages.find((page) => page.path === "nodes/worker-4/index.html")?.content ?? "");
    expect(worker4).toContain('<h1>Node worker-4 <span class="badge added">added</span></h1>');
  });
});

describe("redaction", () => {
  it("hides private keys in any file, and kubeconfig and CSV credentials in secret files", () => {
    const key =
      "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";
    expect(redact(`a\n${key}b\n`, false, "config").text).not.toContain("MIGH");
    const kubeconfig = "users:\n- name: x\n  user:\n    client-key-data: QUJD\n    token: abc\n";
    const hidden = redact(kubeconfig, true, "kubeconfig");
    expect(hidden.text).not.toMatch(/QUJD|abc/);
    expect(hidden.redactions).toHaveLength(2);
    expect(redact("tok1,admin,admin\ntok2,kubelet,kubelet\n", true, "credentials-csv").text).not.toMatch(
      /tok1|tok2/,
    );
    expect(redact("something secret\n", true, "text").text).not.toContain("something");
  });
});

describe("line diff", () => {
  it("turns the old text into the new one", () => {
    const lines = fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const before = a.map((line) => `${line}\n`).join("");
        const after = b.map((line) => `${line}\n`).join("");
        const diff = diffLines(before, after) ?? [];
        expect(diff.filter((line) => line.op !== "+").map((line) => line.text)).toEqual(a);
        expect(diff.filter((line) => line.op !== "-").map((line) => line.text)).toEqual(b);
        for (const hunk of hunks(diff)) expect(hunk.header).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/);
      }),
    );
  });
});
