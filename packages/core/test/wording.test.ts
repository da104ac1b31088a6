// Generated text speaks the user's language (issue 16): no file of any bundle and no artifact's why
// text (MANIFEST.json, the review site) names the project's internal step ids ("S5") or "the seed"
// as a source. The steps are the from-scratch guide's: a file that needs the reference says "the
// from-scratch guide's step 5" or "the guide". The `requirements` data field keeps the ids: the site
// maps them to steps and never shows them as text.
import type { Artifact } from "../src/artifact.js";
import { adminBundleFiles, nodeBundleFiles, type BundleFile } from "../src/bundle/index.js";
import { generateCluster } from "../src/generate.js";
import { fixtureFiles } from "./helpers.js";
import { FIXED_NOW, fixtureSpec, premadeKeys, seededRandom } from "./pki-helpers.js";

const INTERNAL: readonly RegExp[] = [
  /\bS\d{1,2}[ab]?\b/,
  /\bseed's\b/i,
  /\bseed requirements?\b/i,
  /\bthe seed\b/i,
];

/**
 * Certificates, keys and the base64 data of kubeconfigs are bytes, not text: a PEM line or a
 * `certificate-authority-data` value may hold "+S12/" by chance, so they are left out.
 */
function prose(content: string): string {
  return content
    .replace(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g, "")
    .replace(/[A-Za-z0-9+/=]{40,}/g, "");
}

/** "owner/path:line: text" for every line of a file, or its why text, that names an internal id. */
function internalWording(owner: string, files: readonly BundleFile[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    prose(file.content)
      .split("\n")
      .forEach((line, index) => {
        if (INTERNAL.some((pattern) => pattern.test(line)))
          found.push(`${owner}/${file.path}:${index + 1}: ${line.trim()}`);
      });
    const why = file.artifact?.why;
    if (why !== undefined && INTERNAL.some((pattern) => pattern.test(why)))
      found.push(`${owner}/${file.path} (why): ${why}`);
  }
  return found;
}

async function generated(name: string) {
  const { spec } = fixtureSpec(name);
  return generateCluster(spec, {
    now: FIXED_NOW,
    random: seededRandom("kubescratch-test"),
    keys: premadeKeys(),
  });
}

describe("generated text names no internal ids", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: every bundle file and why text`, async () => {
      const cluster = await generated(name);
      const found = cluster.nodes.flatMap((node) =>
        internalWording(node.name, nodeBundleFiles(cluster, node)),
      );
      found.push(...internalWording("admin", adminBundleFiles(cluster)));
      expect(found).toEqual([]);
    });
  }

  it("finds a planted id in a file's text and in a why text, and leaves certificates alone", () => {
    const artifact: Artifact = {
      path: "/etc/kubescratch/example.conf",
      mode: 0o644,
      content: "# Written by kubescratch.\n",
      kind: "config",
      secret: false,
      why: "Shows the wording check at work.",
      requirements: ["S5"],
    };
    const planted: BundleFile[] = [
      {
        path: "etc/a.conf",
        mode: 0o644,
        content: "# Written by kubescratch.\n# the service range (S5)\n",
        artifact,
      },
      {
        path: "etc/b.conf",
        mode: 0o644,
        content: artifact.content,
        artifact: { ...artifact, why: "Serves the seed's requirements." },
      },
      { path: "etc/c.conf", mode: 0o644, content: artifact.content, artifact },
      {
        path: "x.crt",
        mode: 0o644,
        content: "-----BEGIN CERTIFICATE-----\nMIIB+S12/abc=\n-----END CERTIFICATE-----\n",
      },
    ];
    expect(internalWording("node-1", planted)).toEqual([
      "node-1/etc/a.conf:2: # the service range (S5)",
      "node-1/etc/b.conf (why): Serves the seed's requirements.",
    ]);
  });
});
