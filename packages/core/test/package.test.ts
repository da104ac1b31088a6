// A tool author's view: @kubescratch/core packed as it would be published, installed into a fresh
// project outside the workspace, imported from an ES module and from TypeScript, and used.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./helpers.js";

describe("the published package", () => {
  let project: string;
  let tarballName: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "kubescratch-consumer-"));
    execFileSync("npx", ["--yes", "pnpm@10.34.9", "pack", "--pack-destination", project], {
      cwd: join(repoRoot, "packages/core"),
      stdio: "pipe",
    });
    const tarball = readdirSync(project).find((file) => file.endsWith(".tgz"));
    if (!tarball) throw new Error("pnpm pack wrote no tarball");
    tarballName = tarball;
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: { "@kubescratch/core": `file:./${tarball}` },
      }),
    );
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
      cwd: project,
      stdio: "pipe",
    });
  }, 180_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("is importable from an ES module and generates a cluster", () => {
    writeFileSync(
      join(project, "use.mjs"),
      [
        'import { readFileSync } from "node:fs";',
        'import { bundleCluster } from "@kubescratch/core";',
        'import { generateCluster } from "@kubescratch/core/node";',
        `const cluster = await generateCluster(readFileSync(${JSON.stringify(join(repoRoot, "fixtures/specs/current-ha.yaml"))}, "utf8"));`,
        "const { nodes } = bundleCluster(cluster);",
        "console.log(cluster.nodes.length, nodes.every((bundle) => bundle.bytes.length > 1000), cluster.plan.profile.version);",
      ].join("\n"),
    );
    const result = spawnSync("node", ["use.mjs"], { cwd: project, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("6 true 1.34.8");
  });

  it("ships its README and LICENSE, and no build leftovers", () => {
    const listed = execFileSync("tar", ["-tzf", join(project, tarballName)], { encoding: "utf8" }).split(
      "\n",
    );
    expect(listed).toEqual(
      expect.arrayContaining(["package/README.md", "package/LICENSE", "package/package.json"]),
    );
    expect(listed.filter((path) => path.endsWith(".tsbuildinfo"))).toEqual([]);
  });

  it("exports the schema with its published $id, for editors and `kubescratch init`", () => {
    writeFileSync(
      join(project, "schema.mjs"),
      [
        'import { createRequire } from "node:module";',
        'import { readFileSync } from "node:fs";',
        'const path = createRequire(import.meta.url).resolve("@kubescratch/core/cluster.schema.json");',
        'console.log(path.endsWith("/node_modules/@kubescratch/core/dist/cluster.schema.json"), JSON.parse(readFileSync(path, "utf8")).$id);',
      ].join("\n"),
    );
    const result = spawnSync("node", ["schema.mjs"], { cwd: project, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("true https://kubescratch.dev/schemas/v1alpha1/cluster.schema.json\n");
  });

  it("is loadable with require() too (Node.js 20.19+ loads ES modules through require)", () => {
    writeFileSync(
      join(project, "use.cjs"),
      [
        'const { parseSpecText, SpecError } = require("@kubescratch/core");',
        'const { generateCluster } = require("@kubescratch/core/node");',
        "try { parseSpecText('apiVersion: x'); } catch (error) { console.log(error instanceof SpecError); }",
        "console.log(typeof generateCluster);",
      ].join("\n"),
    );
    const result = spawnSync("node", ["use.cjs"], { cwd: project, encoding: "utf8", timeout: 60_000 });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("true\nfunction\n");
  });

  it("says what is missing when the pure entry is called like the Node one, and refuses a corrupt previousState", () => {
    writeFileSync(
      join(project, "misuse.mjs"),
      [
        'import { generateCluster as pure } from "@kubescratch/core";',
        'import { generateCluster } from "@kubescratch/core/node";',
        `const spec = ${JSON.stringify(join(repoRoot, "fixtures/specs/minimal.yaml"))};`,
        'const text = (await import("node:fs")).readFileSync(spec, "utf8");',
        "await pure(text).catch((error) => console.log(error.message));",
        "const first = await generateCluster(text);",
        "const corrupt = { ...first.state, pki: { ...first.state.pki, certificates: { ca: { key: 5 } } } };",
        "await generateCluster(text, { previousState: corrupt }).catch((error) => console.log(error.name, error.issues[0].pointer));",
      ].join("\n"),
    );
    const result = spawnSync("node", ["misuse.mjs"], { cwd: project, encoding: "utf8", timeout: 120_000 });
    expect(result.stderr).toBe("");
    const [pureMessage, corrupt] = result.stdout.trim().split("\n");
    expect(pureMessage).toBe(
      'generateCluster(spec, options) needs options.now, options.random, options.keys: this entry is pure and brings no clock, randomness or key generation. From Node.js, import generateCluster from "@kubescratch/core/node", which fills them in.',
    );
    expect(corrupt).toMatch(/^SpecError \/pki\/certificates\/ca/);
  });

  it("type-checks from TypeScript: the public types resolve", () => {
    writeFileSync(
      join(project, "use.ts"),
      [
        'import { generateCluster, type GeneratedCluster } from "@kubescratch/core/node";',
        'import { parseSpecText, type ClusterSpec, type ClusterSpecInput, type Artifact } from "@kubescratch/core";',
        "const spec: ClusterSpec = parseSpecText('apiVersion: kubescratch.dev/v1alpha1\\nkind: Cluster\\nname: x\\nnodes: []').spec;",
        "export async function files(): Promise<readonly Artifact[]> {",
        "  const cluster: GeneratedCluster = await generateCluster(spec);",
        "  return cluster.nodes.flatMap((node) => node.artifacts);",
        "}",
        "// @ts-expect-error: a misspelt option is a type error for tool authors",
        "void generateCluster(spec, { previousStat: undefined });",
        "const input: ClusterSpecInput = {",
        '  apiVersion: "kubescratch.dev/v1alpha1",',
        '  kind: "Cluster",',
        '  name: "typed",',
        '  nodes: [{ name: "a", ip: "10.0.0.1", roles: ["control-plane", "etcd", "worker"] }],',
        "};",
        "void generateCluster(input);",
        "// @ts-expect-error: a spec field of the wrong type is a type error, not a run-time surprise",
        'void generateCluster({ ...input, network: { maxPodsPerNode: "110" } });',
      ].join("\n"),
    );
    // Tool authors compile with either resolution: Node's own, or a bundler's (Vite, esbuild, webpack).
    for (const [module, moduleResolution] of [
      ["NodeNext", "NodeNext"],
      ["ESNext", "Bundler"],
    ]) {
      writeFileSync(
        join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            module,
            moduleResolution,
            target: "ES2022",
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ["use.ts"],
        }),
      );
      const result = spawnSync(
        "node",
        [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"],
        { cwd: project, encoding: "utf8" },
      );
      expect({ moduleResolution, output: result.stdout + result.stderr }).toEqual({
        moduleResolution,
        output: "",
      });
      expect(result.status).toBe(0);
    }
  });
});
