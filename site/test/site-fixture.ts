// The sites the browser and crawler tests read: `kubescratch generate` on a fixture, then
// `kubescratch site` with the state generate wrote (redacted, and with --include-secrets), all through
// the built binary, as users run them.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./helpers.js";

const binary = join(repoRoot, "packages/cli/dist/main.js");

export function kubescratch(args: readonly string[]): {
  code: number | null;
  stdout: string;
  stderr: string;
} {
  const result = spawnSync("node", [binary, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 180_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface FixtureSites {
  readonly generated: string;
  readonly site: string;
  readonly secretSite: string;
}

/** generate, then site twice (redacted and with secrets) with generate's state, under `directory`. */
export function buildSites(directory: string, spec: string): FixtureSites {
  const specPath = join(repoRoot, "fixtures/specs", spec);
  const generated = join(directory, "generated");
  const site = join(directory, "site");
  const secretSite = join(directory, "site-secrets");
  const state = join(generated, "state.json");
  mkdirSync(directory, { recursive: true });
  for (const args of [
    ["generate", specPath, "-o", generated],
    ["site", specPath, "-o", site, "--state", state],
    ["site", specPath, "-o", secretSite, "--state", state, "--include-secrets"],
  ]) {
    const result = kubescratch(args);
    if (result.code !== 0)
      throw new Error(`kubescratch ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  }
  return { generated, site, secretSite };
}

/** Every file under a directory, as paths relative to it. */
export function filesUnder(directory: string): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(directory, full));
    }
  };
  walk(directory);
  return out;
}

/**
 * The secret values of a generation, from the state generate wrote: every private key's base64 lines,
 * the start of each key as kubeconfigs embed it (base64 of the PEM), and every token and password.
 */
export function secretValues(generated: string): string[] {
  const state = JSON.parse(readFileSync(join(generated, "state.json"), "utf8")) as {
    pki: { tokens?: Record<string, string>; passwords?: Record<string, string> };
  };
  const values = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      for (const match of value.matchAll(
        /-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/g,
      )) {
        for (const line of match[0].split("\n")) if (/^[A-Za-z0-9+/=]{40,}$/.test(line)) values.add(line);
        values.add(Buffer.from(match[0]).toString("base64").slice(60, 120));
      }
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(walk);
  };
  walk(state);
  for (const value of [...Object.values(state.pki.tokens ?? {}), ...Object.values(state.pki.passwords ?? {})])
    values.add(value);
  return [...values];
}
