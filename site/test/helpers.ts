// Shared by the site tests: deterministic generations of the fixtures (pre-made keys, seeded random,
// fixed clock), the site rendered from them, and writing a site to a directory.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generateCluster, type GeneratedCluster } from "@kubescratch/core";
import { FIXED_NOW, fixtureSpec, premadeKeys, seededRandom } from "../../packages/core/test/pki-helpers.js";
import type { Site } from "../src/index.js";

export { FIXED_NOW };
export const repoRoot = join(__dirname, "..", "..");

export async function generateFixture(name: string): Promise<GeneratedCluster> {
  const { spec } = fixtureSpec(name);
  return generateCluster(spec, { now: FIXED_NOW, random: seededRandom(`site:${name}`), keys: premadeKeys() });
}

/** Writes every page and asset of a site under `directory`. */
export function writeSite(directory: string, site: Site): void {
  for (const file of [...site.pages, ...site.assets]) {
    const target = join(directory, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}
