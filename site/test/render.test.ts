// renderSite as a function: deterministic, redacts by content, marks changes against a previous
// generation with line diffs, and its pieces (tar reader, line diff) agree with the real tools.
import { bundleCluster, generateCluster } from "@kubescratch/core";
import fc from "fast-check";
import { diffLines, hunks } from "../src/diff.js";
import { readTarGz, renderSite } from "../src/index.js";
import { redact } from "../src/redact.js";
import { fixtureSpec, premadeKeys, seededRandom } from "../../packages/core/test/pki-helpers.js";
import { FIXED_NOW, generateFixture } from "./helpers.js";

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
      expect(
        first.pages.some((page) => page.path === `nodes/${cluster.nodes[0]?.name}/files/${path}.html`),
      ).toBe(true);
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
    const setup = text(
      site.pages.find((page) => page.path === "nodes/worker-1/files/etc/kubernetes/network/pod-routes.html")
        ?.content ?? "",
    );
    expect(setup).toContain('<span class="badge changed">changed</span>');
    expect(setup).toMatch(/<span class="l add">\+.*192\.168\.50\.24/);
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
