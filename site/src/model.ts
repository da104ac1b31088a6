// What the pages show, gathered once: each bundle (every node's and the admin's) read back from its
// tarball, with every file's artifact facts, hash, redacted text and its change against a previous
// generation.
import { sha256 } from "@noble/hashes/sha256";
import type { Artifact, Bundle, GeneratedCluster, IssuedCertificate, NodePlan } from "@kubescratch/core";
import { readTarGz, textOf, type BundleFile } from "./tar-read.js";
import { redact, type Redacted } from "./redact.js";

/** Files every bundle adds around the artifacts (bundle/index.ts in the core), and why. */
const BUNDLE_FILES: Readonly<Record<string, { why: string; requirements: readonly string[] }>> = {
  "install.sh": {
    why: "Installs this bundle: checks every file against SHA256SUMS, runs the preflight, places each file at its install path with its mode (backing up what it replaces), runs the network setup and starts the units in order.",
    requirements: ["S9", "S24"],
  },
  "validate.sh": {
    why: "Checks the node after installing: the units are running and the local components answer.",
    requirements: ["S29"],
  },
  "MANIFEST.json": {
    why: "Lists every installed file with its mode, sha256, kind, whether it is secret, why it exists and the seed requirements it serves.",
    requirements: [],
  },
  SHA256SUMS: {
    why: "The sha256 of every file in the bundle, in sha256sum's format; install.sh checks them before it places anything.",
    requirements: [],
  },
  "README.md": {
    why: "How to use the admin bundle: the kubeconfigs, the addons and the checks.",
    requirements: [],
  },
  "validate-cluster.sh": {
    why: "Checks the whole cluster from the admin's machine: nodes ready, system pods and services, DNS.",
    requirements: ["S31"],
  },
  "nginx-example.yaml": {
    why: "A small nginx deployment and service to try the cluster with, as the guide suggests.",
    requirements: ["S31"],
  },
};

export type ChangeStatus = "added" | "changed" | "unchanged";

export interface FileView {
  /** Path inside the bundle (relative). */
  readonly path: string;
  /** Where it lands: absolute for a node's artifacts, the bundle path for the admin's. */
  readonly installPath: string;
  readonly mode: number;
  readonly size: number;
  readonly sha256: string;
  readonly kind: Artifact["kind"] | "bundle";
  readonly secret: boolean;
  readonly why: string;
  readonly requirements: readonly string[];
  readonly text: string;
  readonly redacted: Redacted;
  readonly certificate?: IssuedCertificate;
  readonly change?: ChangeStatus;
  /** The previous generation's text when changed (not for secret files). */
  readonly previousText?: string;
  /** Site paths. */
  readonly page: string;
  readonly raw: string;
}

export interface BundleView {
  /** "nodes/<name>" or "admin". */
  readonly id: string;
  readonly name: string;
  readonly node?: NodePlan;
  readonly fileName: string;
  /** Site path of the tarball (as generate writes it: nodes/<node>.tar.gz, admin.tar.gz). */
  readonly tarballPath: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly files: readonly FileView[];
  readonly secretCount: number;
  readonly change?: ChangeStatus;
  /** Files the previous generation had and this one does not. */
  readonly removed: readonly string[];
}

export interface PreviousGeneration {
  /** Previous tarballs: name is the node's name, or "admin" for admin.tar.gz. */
  readonly bundles: readonly { readonly name: string; readonly bytes: Uint8Array }[];
}

export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function sha256Hex(bytes: Uint8Array): string {
  return hex(sha256(bytes));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

function sumsOf(files: readonly BundleFile[]): Map<string, string> {
  const sums = new Map<string, string>();
  const file = files.find((entry) => entry.path === "SHA256SUMS");
  if (!file) return sums;
  for (const line of textOf(file.bytes).split("\n")) {
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (match) sums.set(match[2] as string, match[1] as string);
  }
  return sums;
}

/** Paths (relative) the previous MANIFEST.json marks secret. */
function secretPaths(files: readonly BundleFile[]): Set<string> {
  const manifest = files.find((entry) => entry.path === "MANIFEST.json");
  const result = new Set<string>();
  if (!manifest) return result;
  try {
    const entries = JSON.parse(textOf(manifest.bytes)) as { path?: unknown; secret?: unknown }[];
    for (const entry of entries)
      if (entry.secret === true && typeof entry.path === "string") result.add(entry.path.replace(/^\/+/, ""));
  } catch {
    // A manifest we cannot read marks nothing: every changed file is then compared as text below,
    // and redaction by content still hides keys.
  }
  return result;
}

export function buildBundles(
  cluster: GeneratedCluster,
  bundles: { readonly nodes: readonly Bundle[]; readonly admin: Bundle },
  previous: PreviousGeneration | undefined,
): BundleView[] {
  const certificates = new Map<string, IssuedCertificate>();
  for (const certificate of cluster.pki.certificates)
    if (certificate.certificatePem) certificates.set(certificate.certificatePem.trim(), certificate);
  const previousByName = new Map(previous?.bundles.map((entry) => [entry.name, entry.bytes]) ?? []);

  const view = (
    id: string,
    name: string,
    bundle: Bundle,
    artifacts: readonly Artifact[],
    node: NodePlan | undefined,
    tarballPath: string,
  ): BundleView => {
    const files = readTarGz(bundle.bytes);
    const sums = sumsOf(files);
    const byPath = new Map(artifacts.map((artifact) => [artifact.path.replace(/^\/+/, ""), artifact]));
    const previousBytes = previousByName.get(name);
    const previousFiles = previousBytes ? readTarGz(previousBytes) : undefined;
    const previousMap = new Map(previousFiles?.map((file) => [file.path, file]) ?? []);
    const previousSecrets = previousFiles ? secretPaths(previousFiles) : new Set<string>();
    const fileViews = files.map((file): FileView => {
      const artifact = byPath.get(file.path);
      const extra = BUNDLE_FILES[file.path];
      const text = textOf(file.bytes);
      const secret = artifact?.secret ?? false;
      const kind = artifact?.kind ?? "bundle";
      const before = previousMap.get(file.path);
      const change: ChangeStatus | undefined = previousFiles
        ? before === undefined
          ? "added"
          : equalBytes(before.bytes, file.bytes) && before.mode === file.mode
            ? "unchanged"
            : "changed"
        : undefined;
      const certificate = kind === "certificate" ? certificates.get(text.trim()) : undefined;
      return {
        path: file.path,
        installPath: artifact ? artifact.path : file.path,
        mode: file.mode,
        size: file.bytes.length,
        sha256: sums.get(file.path) ?? sha256Hex(file.bytes),
        kind,
        secret,
        why: artifact?.why ?? extra?.why ?? "Part of the bundle.",
        requirements: artifact?.requirements ?? extra?.requirements ?? [],
        text,
        redacted: redact(text, secret, kind),
        ...(certificate ? { certificate } : {}),
        ...(change ? { change } : {}),
        ...(change === "changed" && before && !secret && !previousSecrets.has(file.path)
          ? { previousText: textOf(before.bytes) }
          : {}),
        page: `${id}/files/${file.path}.html`,
        raw: `${id}/raw/${file.path}`,
      };
    });
    const current = new Set(files.map((file) => file.path));
    return {
      id,
      name,
      ...(node ? { node } : {}),
      fileName: bundle.fileName,
      tarballPath,
      bytes: bundle.bytes,
      sha256: sha256Hex(bundle.bytes),
      files: fileViews,
      secretCount: fileViews.filter((file) => file.secret).length,
      ...(previous
        ? {
            change:
              previousBytes === undefined
                ? "added"
                : equalBytes(previousBytes, bundle.bytes)
                  ? "unchanged"
                  : "changed",
          }
        : {}),
      removed: previousFiles
        ? previousFiles.map((file) => file.path).filter((path) => !current.has(path))
        : [],
    };
  };

  const nodes = cluster.nodes.map((node) => {
    const bundle = bundles.nodes.find((entry) => entry.fileName === `${node.name}.tar.gz`);
    if (!bundle) throw new Error(`no bundle for node ${node.name}`);
    const plan = cluster.plan.nodes.find((entry) => entry.name === node.name);
    return view(`nodes/${node.name}`, node.name, bundle, node.artifacts, plan, `nodes/${bundle.fileName}`);
  });
  return [
    ...nodes,
    view("admin", "admin", bundles.admin, cluster.admin.artifacts, undefined, "admin.tar.gz"),
  ];
}

/** Previous bundles whose node is gone from this generation. */
export function removedBundles(
  cluster: GeneratedCluster,
  previous: PreviousGeneration | undefined,
): string[] {
  if (!previous) return [];
  const names = new Set([...cluster.nodes.map((node) => node.name), "admin"]);
  return previous.bundles.map((entry) => entry.name).filter((name) => !names.has(name));
}
