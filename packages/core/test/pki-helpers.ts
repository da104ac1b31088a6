// Shared by the PKI tests: pre-made keys (fixtures/state/test-keys.json), a seeded random source,
// fixture loading, and writing each node's share of the PKI to a directory for the real tools.
import { spawnSync } from "node:child_process";
import { createHash, createPrivateKey, sign, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  issuePki,
  parseSpecText,
  pkiArtifacts,
  planCluster,
  type ClusterPlan,
  type ClusterSpec,
  type KeyAlgorithm,
  type KeyCapability,
  type Pki,
  type PkiOptions,
  type RandomSource,
} from "../src/index.js";
import { fixtureFiles, repoRoot } from "./helpers.js";

const pool = JSON.parse(readFileSync(join(repoRoot, "fixtures/state/test-keys.json"), "utf8")) as {
  keys: Record<KeyAlgorithm, string[]>;
};

/** Hands out the pre-made keys in order (a fresh cursor per capability); signs natively. */
export function premadeKeys(): KeyCapability & { readonly labels: string[] } {
  const next: Partial<Record<KeyAlgorithm, number>> = {};
  const parsed = new Map<string, KeyObject>();
  const labels: string[] = [];
  return {
    labels,
    async generateKeyPair(algorithm, label) {
      const index = next[algorithm] ?? 0;
      const key = pool.keys[algorithm][index];
      if (key === undefined) throw new Error(`test-keys.json has only ${index} ${algorithm} keys`);
      next[algorithm] = index + 1;
      labels.push(label);
      return key;
    },
    sign(privateKeyPem, digest, data) {
      let key = parsed.get(privateKeyPem);
      if (!key) parsed.set(privateKeyPem, (key = createPrivateKey(privateKeyPem)));
      return new Uint8Array(sign(digest, data, key));
    },
  };
}

/** SHA-256 in counter mode over a seed: the same bytes every run. */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  let buffer = Buffer.alloc(0);
  return (byteCount) => {
    while (buffer.length < byteCount) {
      buffer = Buffer.concat([buffer, createHash("sha256").update(`${seed}:${counter++}`).digest()]);
    }
    const out = new Uint8Array(buffer.subarray(0, byteCount));
    buffer = buffer.subarray(byteCount);
    return out;
  };
}

export const FIXED_NOW = new Date("2026-03-01T12:00:00Z");

export function fixtureSpec(name: string): { spec: ClusterSpec; plan: ClusterPlan } {
  const file = fixtureFiles("specs").find((entry) => entry.name === name);
  if (!file) throw new Error(`no fixture ${name}`);
  const { spec } = parseSpecText(file.text, { fileName: file.name });
  return { spec, plan: planCluster(spec) };
}

export async function issueFor(
  spec: ClusterSpec,
  plan: ClusterPlan,
  options: Partial<PkiOptions> = {},
): Promise<Pki> {
  return issuePki(spec, plan, {
    now: FIXED_NOW,
    random: seededRandom("kubescratch-test"),
    keys: premadeKeys(),
    ...options,
  });
}

/** Writes every node's share to DIR/<node>/<install path> and the admin bundle to DIR/admin. */
export function writeShares(directory: string, pki: Pki, plan: ClusterPlan): void {
  const shares = pkiArtifacts(pki, plan);
  const write = (root: string, path: string, content: string): void => {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  };
  for (const [node, artifacts] of shares.nodes) {
    for (const artifact of artifacts) write(join(directory, node), artifact.path, artifact.content);
  }
  for (const artifact of shares.admin) write(join(directory, "admin"), artifact.path, artifact.content);
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeout?: number } = {},
) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: options.timeout ?? 20_000,
    cwd: options.cwd,
  });
  return {
    status: result.status,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    output: `${result.stdout}${result.stderr}`,
  };
}
