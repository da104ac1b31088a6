import { dirname, join, resolve } from "node:path";
import {
  bundleAdmin,
  cloudInit,
  formatIssue,
  generateCluster,
  readClusterState,
  type ClusterState,
} from "@kubescratch/core";
import {
  forEachBundleNative,
  nodeBundleOptions,
  nativeSha256,
  nodeKeyCapability,
  nodeRandom,
} from "@kubescratch/core/node";
import { createHash } from "node:crypto";
import { parseCommandArgs } from "../args.js";
import { cannotWrite, CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io, OutputFile, Staging } from "../io.js";
import { issuesJson } from "../json.js";
import { createProgress, parseProgressMode } from "../progress.js";
import { inSpecFile, readSpec } from "../spec-input.js";

export const generateHelp = `Usage: kubescratch generate SPEC -o DIR [--state FILE] [--format tar|cloud-init] [--json]
       [--progress auto|tty|plain|none]

Validates SPEC, plans it, issues the PKI (reusing what the state still has right) and writes:
  DIR/nodes/<node>.tar.gz   one bundle per node: its files, install.sh, validate.sh, MANIFEST.json, SHA256SUMS
  DIR/admin.tar.gz          admin kubeconfigs, CA, DNS addon, images list, validate-cluster.sh, README.md
  DIR/plan.json             the address plan
  DIR/state.json            every key, certificate and token (mode 0600; keep it secret and keep it)
Everything is written to a temporary folder first: on any error nothing in DIR changes.

Options:
  -o, --output DIR          output directory (created if missing; other files in it are left alone)
  --state FILE              state to read first and update (default: DIR/state.json)
  --format tar|cloud-init   tar (default): DIR/nodes/<node>.tar.gz; cloud-init: DIR/nodes/<node>.yaml,
                            #cloud-config user-data with every file and the install steps
  --allow-range-change      accept a pod or service range that differs from the state's (only when
                            rebuilding the cluster: running pods and services keep their addresses, S5)
  --json                    print a machine-readable summary on stdout (README.md, "The CLI")
  --progress MODE           on stderr: tty redraws one line (done/total, elapsed, estimate) and erases
                            it at the end; plain prints a line per 10 % or 5 s; none; auto (default):
                            tty on a terminal, else plain once the run has taken 2 s
  -h, --help                show this help

Exit codes: 0 ok, 1 invalid spec or state, 2 usage error, 3 unreadable or unwritable file, other failure.
`;

function readState(io: Io, path: string): ClusterState | undefined {
  if (!io.exists(path)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(io.readText(path));
  } catch (caught) {
    throw new CommandFailure(
      `cannot read the state ${path}: ${caught instanceof Error ? caught.message : String(caught)}; restore it from a backup, or move it away to issue everything anew`,
    );
  }
  return readClusterState(data, path);
}

function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function generateCommand(io: Io, args: readonly string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(args, {
    output: { type: "string", short: "o" },
    state: { type: "string" },
    format: { type: "string" },
    "allow-range-change": { type: "boolean" },
    json: { type: "boolean" },
    progress: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(generateHelp);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError("generate needs exactly one SPEC file");
  if (values.output === undefined) throw new UsageError("generate needs an output directory: -o DIR");
  const format = values.format ?? "tar";
  if (format !== "tar" && format !== "cloud-init")
    throw new UsageError(`unknown --format "${format}": use tar or cloud-init`);
  const progressMode = parseProgressMode(values.progress);
  const shownOutput = values.output;
  const output = resolve(io.cwd(), values.output);
  if (io.exists(output) && !io.isDirectory(output))
    throw new CommandFailure(`${values.output} exists and is not a directory`);
  const statePath = values.state === undefined ? join(output, "state.json") : resolve(io.cwd(), values.state);

  const [specPath] = positionals as [string];
  const input = readSpec(io, specPath);
  const { spec, fileName, files } = input;
  for (const warning of spec.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
  const previousState = readState(io, statePath);

  // Progress goes to stderr only, so it is shown with --json too (stdout stays one document).
  const progress = createProgress({
    mode: progressMode,
    write: io.err,
    stderrIsTerminal: io.stderrIsTerminal,
    label: "kubescratch generate",
  });
  try {
    return await writeGeneration();
  } finally {
    progress.end();
  }

  async function writeGeneration(): Promise<ExitCode> {
    const cluster = await generateCluster(spec.spec, {
      now: io.now(),
      random: nodeRandom,
      keys: nodeKeyCapability(),
      sha256: nativeSha256,
      files,
      ...(previousState ? { previousState } : {}),
      ...(values["allow-range-change"] ? { allowRangeChange: true } : {}),
      onKeyGenerated: (done: number, total: number) => progress.update("keys", done, total),
    }).catch((caught: unknown) => {
      throw inSpecFile(caught, input);
    });
    for (const warning of cluster.pki.warnings) progress.log(`${formatIssue(warning, fileName)}\n`);
    const bundleTotal = cluster.nodes.length + 1;
    let bundlesDone = 0;
    const bundleWritten = (): void => {
      bundlesDone += 1;
      progress.update(format === "tar" ? "bundles" : "files", bundlesDone, bundleTotal);
    };
    progress.update(format === "tar" ? "bundles" : "files", 0, bundleTotal);

    const nodes: { name: string; file: string; bytes: number; sha256: string }[] = [];
    const stateText = `${JSON.stringify(cluster.state, null, 2)}\n`;
    const stateInOutput = dirname(statePath) === output;
    let staging: Staging;
    try {
      staging = io.stageDirectory(output);
    } catch (caught) {
      throw cannotWrite(shownOutput, caught);
    }
    // Each bundle is written as soon as it is made and then dropped: memory does not grow with the
    // bundles' total size.
    const write = async (file: OutputFile): Promise<void> => {
      try {
        await staging.write(file);
      } catch (caught) {
        throw cannotWrite(shownOutput, caught);
      }
    };
    try {
      if (format === "tar") {
        await forEachBundleNative(cluster, async (bundle) => {
          if (bundle.fileName === "admin.tar.gz") {
            await write({ path: "admin.tar.gz", content: bundle.bytes, mode: 0o600 });
            bundleWritten();
            return;
          }
          const file = `nodes/${bundle.fileName}`;
          nodes.push({
            name: bundle.fileName.replace(/\.tar\.gz$/, ""),
            file,
            bytes: bundle.bytes.length,
            sha256: sha256(bundle.bytes),
          });
          await write({ path: file, content: bundle.bytes, mode: 0o600 });
          bundleWritten();
        });
      } else {
        for (const node of cluster.nodes) {
          const text = cloudInit(cluster, node);
          nodes.push({
            name: node.name,
            file: `nodes/${node.name}.yaml`,
            bytes: text.length,
            sha256: sha256(text),
          });
          await write({ path: `nodes/${node.name}.yaml`, content: text, mode: 0o600 });
          bundleWritten();
        }
        await write({
          path: "admin.tar.gz",
          content: bundleAdmin(cluster, nodeBundleOptions).bytes,
          mode: 0o600,
        });
        bundleWritten();
      }
      await write({ path: "plan.json", content: `${JSON.stringify(cluster.plan, null, 2)}\n`, mode: 0o644 });
      if (stateInOutput)
        await write({ path: statePath.slice(output.length + 1), content: stateText, mode: 0o600 });
      try {
        await staging.commit();
        if (!stateInOutput) io.writeTextAtomic(statePath, stateText, 0o600);
      } catch (caught) {
        throw cannotWrite(shownOutput, caught);
      }
    } finally {
      await staging.dispose();
    }

    const changed = cluster.pki.certificates.filter(
      (entry) => entry.status !== "reused" && entry.status !== "provided",
    );
    if (values.json) {
      io.out(
        `${JSON.stringify(
          {
            cluster: cluster.plan.clusterName,
            kubernetesVersion: cluster.plan.profile.version,
            output,
            format,
            nodes,
            state: statePath,
            keysGenerated: cluster.pki.keysGenerated,
            certificates: cluster.pki.certificates.map((entry) => ({
              id: entry.id,
              status: entry.status,
              reason: entry.reason,
              notAfter: entry.notAfter,
            })),
            warnings: issuesJson([...spec.warnings, ...cluster.pki.warnings], fileName),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.out(
        `${shownOutput}: ${nodes.length} node ${format === "tar" ? "bundles" : "cloud-init files"}, admin.tar.gz, plan.json; ` +
          `${cluster.pki.keysGenerated} new keys, ${changed.length} certificates issued or reissued, state in ${values.state ?? join(shownOutput, "state.json")}\n`,
      );
      for (const entry of changed.filter((item) => item.status === "reissued"))
        io.out(`  reissued ${entry.id}: ${entry.reason}\n`);
    }
    return EXIT.ok;
  }
}
