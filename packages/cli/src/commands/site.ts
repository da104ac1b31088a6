import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { formatIssue, generateCluster, readClusterState, type ClusterState } from "@kubescratch/core";
import { bundleClusterNative, nativeSha256, nodeKeyCapability, nodeRandom } from "@kubescratch/core/node";
import { renderSiteFiles, type PreviousGeneration } from "@kubescratch/site";
import { parseCommandArgs } from "../args.js";
import { cannotWrite, CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io, Staging } from "../io.js";
import { issuesJson, printJson } from "../json.js";
import { readSpec } from "../spec-input.js";

export const siteHelp = `Usage: kubescratch site SPEC -o DIR [--state FILE] [--include-secrets] [--previous DIR] [--json]

Writes the review site of SPEC's generation to DIR: an overview (topology, address plan,
certificates, warnings), and one page per node with its file tree and every file's content, mode,
size, sha256, why it exists and the steps of the from-scratch guide it serves; a file that several nodes hold byte
for byte is shown once, on a page of its own. Open DIR/index.html in a browser, from disk or from any
static host: every asset is local.

Pass the state \`kubescratch generate\` wrote (--state) and the site shows the very files (and
tarballs) generate writes with it; the state is only read, never changed.

Options:
  -o, --output DIR          output directory (created if missing; other files in it are left alone)
  --state FILE              the generation's state (e.g. OUT/state.json from generate); without it the
                            site shows a fresh generation whose keys belong to no bundle
  --include-secrets         show private keys, tokens, passwords and kubeconfig credentials, and include
                            the tarballs (which hold them); every page then says so
  --previous DIR            a previous \`kubescratch generate\` output (DIR/nodes/*.tar.gz,
                            DIR/admin.tar.gz): changed, added and removed files are marked, with diffs
  --json                    print a machine-readable summary on stdout (README.md, "The CLI")
  -h, --help                show this help

Exit codes: 0 ok, 1 invalid spec or state, 2 usage error, 3 unreadable or unwritable file, other failure.
`;

function readState(io: Io, path: string): ClusterState {
  let data: unknown;
  try {
    data = JSON.parse(io.readText(path));
  } catch (caught) {
    throw new CommandFailure(
      `cannot read the state ${path}: ${caught instanceof Error ? caught.message : String(caught)}`,
    );
  }
  return readClusterState(data, path);
}

/** The tarballs of a previous `kubescratch generate` output (or of a site rendered with secrets). */
function readPrevious(directory: string): PreviousGeneration {
  const bundles: { name: string; bytes: Uint8Array }[] = [];
  try {
    const nodes = join(directory, "nodes");
    if (existsSync(nodes)) {
      for (const entry of readdirSync(nodes).sort()) {
        if (entry.endsWith(".tar.gz"))
          bundles.push({ name: entry.slice(0, -".tar.gz".length), bytes: readFileSync(join(nodes, entry)) });
      }
    }
    const admin = join(directory, "admin.tar.gz");
    if (existsSync(admin)) bundles.push({ name: "admin", bytes: readFileSync(admin) });
  } catch (caught) {
    throw new CommandFailure(
      `cannot read the previous generation ${directory}: ${caught instanceof Error ? caught.message : String(caught)}`,
    );
  }
  if (bundles.length === 0)
    throw new CommandFailure(
      `${directory} holds no tarballs (nodes/*.tar.gz, admin.tar.gz): --previous takes a kubescratch generate output`,
    );
  const podCIDRs = previousPodCIDRs(join(directory, "plan.json"));
  return { bundles, ...(podCIDRs ? { podCIDRs } : {}) };
}

/**
 * Each node's pod range in the previous generation's plan.json (generate writes it next to the
 * tarballs): the site then says which ranges were kept and which are new. None without a readable one.
 */
function previousPodCIDRs(path: string): Record<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const plan = JSON.parse(readFileSync(path, "utf8")) as {
      nodes?: { name?: unknown; podCIDR?: unknown }[];
    };
    const ranges: Record<string, string> = {};
    for (const node of plan.nodes ?? [])
      if (typeof node.name === "string" && typeof node.podCIDR === "string") ranges[node.name] = node.podCIDR;
    return ranges;
  } catch {
    return undefined;
  }
}

export async function siteCommand(io: Io, args: readonly string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(args, {
    output: { type: "string", short: "o" },
    state: { type: "string" },
    "include-secrets": { type: "boolean" },
    previous: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(siteHelp);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError("site needs exactly one SPEC file");
  if (values.output === undefined) throw new UsageError("site needs an output directory: -o DIR");
  const output = resolve(io.cwd(), values.output);
  if (io.exists(output) && !io.isDirectory(output))
    throw new CommandFailure(`${values.output} exists and is not a directory`);

  const [specPath] = positionals as [string];
  const { spec, fileName, files } = readSpec(io, specPath);
  for (const warning of spec.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
  let previousState: ClusterState | undefined;
  if (values.state !== undefined) {
    const statePath = resolve(io.cwd(), values.state);
    if (!io.exists(statePath)) throw new CommandFailure(`the state ${values.state} does not exist`);
    previousState = readState(io, statePath);
  } else {
    io.err(
      "kubescratch site: no --state: showing a fresh generation (new keys); pass the state generate wrote to review the files it wrote\n",
    );
  }
  const previous =
    values.previous === undefined ? undefined : readPrevious(resolve(io.cwd(), values.previous));
  const now = io.now();
  const cluster = await generateCluster(spec.spec, {
    now,
    random: nodeRandom,
    keys: nodeKeyCapability(),
    sha256: nativeSha256,
    files,
    ...(previousState ? { previousState } : {}),
  });
  for (const warning of cluster.pki.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
  // The same bundles generate writes (generate.ts): the same compressor, so the same bytes.
  const bundles = await bundleClusterNative(cluster);
  const includeSecrets = values["include-secrets"] === true;
  const shownOutput = values.output;
  let staging: Staging;
  try {
    staging = io.stageDirectory(output);
  } catch (caught) {
    throw cannotWrite(shownOutput, caught);
  }
  let pages = 0;
  try {
    // Each page is written as soon as it is rendered, while the next one is made, and then dropped.
    for (const file of renderSiteFiles(
      { cluster, bundles },
      {
        now,
        includeSecrets,
        ...(previous ? { previous } : {}),
        specName: fileName,
        read: { gunzip: gunzipSync, sha256: nativeSha256 },
      },
    )) {
      if (file.kind === "page") pages += 1;
      try {
        await staging.write({ path: file.path, content: file.content, mode: includeSecrets ? 0o600 : 0o644 });
      } catch (caught) {
        throw cannotWrite(shownOutput, caught);
      }
    }
    try {
      await staging.commit();
    } catch (caught) {
      throw cannotWrite(shownOutput, caught);
    }
  } finally {
    await staging.dispose();
  }
  if (values.json) {
    printJson(io, {
      cluster: cluster.plan.clusterName,
      output,
      index: join(output, "index.html"),
      pages,
      nodes: cluster.nodes.length,
      includeSecrets,
      state: values.state === undefined ? null : resolve(io.cwd(), values.state),
      warnings: issuesJson([...spec.warnings, ...cluster.pki.warnings], fileName),
    });
    return EXIT.ok;
  }
  io.out(
    `${values.output}: ${pages} pages for ${cluster.nodes.length} nodes and the admin bundle${includeSecrets ? ", secrets shown" : ", secrets redacted"}; open ${join(values.output, "index.html")}\n`,
  );
  return EXIT.ok;
}
