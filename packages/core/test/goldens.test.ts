// Golden files: every component artifact of every fixture, for every node and the admin bundle,
// under fixtures/golden/<spec>/<node>/<install path>, and the files each bundle adds of its own
// (install.sh, validate.sh; the admin bundle's README.md, validate-cluster.sh, nginx example) at
// fixtures/golden/<spec>/<node>/<name>, compared byte for byte. `pnpm goldens`
// rewrites them (review the diff before committing). Certificates, keys and kubeconfigs are left
// out: ECDSA signatures differ run to run, and fixtures/golden/pki covers the PKI's bytes.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Artifact } from "../src/artifact.js";
import { adminBundleFiles, nodeBundleFiles } from "../src/bundle/index.js";
import { renderCluster } from "../src/components/index.js";
import { generateCluster } from "../src/generate.js";
import { fixtureFiles, repoRoot } from "./helpers.js";
import { FIXED_NOW, fixtureSpec, issueFor, premadeKeys, seededRandom } from "./pki-helpers.js";

const PKI_KINDS = new Set<Artifact["kind"]>([
  "certificate",
  "private-key",
  "public-key",
  "certificate-request",
  "kubeconfig",
  "credentials-csv",
]);
const update = process.env.UPDATE_GOLDEN === "1";

function filesBelow(directory: string): string[] {
  try {
    return readdirSync(directory).flatMap((entry) => {
      const path = join(directory, entry);
      return statSync(path).isDirectory() ? filesBelow(path) : [path];
    });
  } catch {
    return [];
  }
}

describe("golden files (fixtures/golden/<spec>/<node>/...)", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: every component file matches its golden copy`, async () => {
      const { spec, plan } = fixtureSpec(name);
      const rendered = renderCluster(spec, plan, await issueFor(spec, plan));
      const root = join(repoRoot, "fixtures", "golden", name.replace(/\.yaml$/, ""));
      const expected = new Map<string, string>();
      const add = (owner: string, artifacts: readonly Artifact[]): void => {
        for (const artifact of artifacts) {
          if (PKI_KINDS.has(artifact.kind)) continue;
          expected.set(join(root, owner, artifact.path), artifact.content);
        }
      };
      for (const [node, artifacts] of rendered.nodes) add(node, artifacts);
      add("admin", rendered.admin);
      // The bundles' own files do not depend on key bytes, only on the cluster's files and plan.
      const cluster = await generateCluster(spec, {
        now: FIXED_NOW,
        random: seededRandom("kubescratch-test"),
        keys: premadeKeys(),
      });
      const addOwn = (
        owner: string,
        files: readonly { path: string; content: string; artifact?: Artifact }[],
      ) => {
        for (const file of files)
          if (file.artifact === undefined) expected.set(join(root, owner, file.path), file.content);
      };
      for (const node of cluster.nodes) addOwn(node.name, nodeBundleFiles(cluster, node));
      addOwn("admin", adminBundleFiles(cluster));
      if (update) {
        rmSync(root, { recursive: true, force: true });
        for (const [path, content] of expected) {
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, content);
        }
      }
      const present = filesBelow(root)
        .map((path) => relative(root, path))
        .sort();
      expect(present).toEqual([...expected.keys()].map((path) => relative(root, path)).sort());
      for (const [path, content] of expected)
        expect({ path, content: readFileSync(path, "utf8") }).toEqual({ path, content });
    });
  }
});
