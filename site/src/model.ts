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
    why: "Lists every installed file with its mode, sha256, kind, whether it is secret, why it exists and the from-scratch guide steps it serves.",
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
  /**
   * The text is the file: its bytes are the text's UTF-8 (valid, no byte order mark) with no CR or
   * NUL, which an HTML page would not keep. Then the page can offer the text it shows as the file.
   */
  readonly textIsExact: boolean;
  readonly redacted: Redacted;
  readonly certificate?: IssuedCertificate;
  /** Its change in this bundle against the same bundle of the previous generation (if one is given). */
  readonly change?: ChangeStatus;
  /** The previous generation's text when changed (not for secret files). */
  readonly previousText?: string;
  /** Where the file is shown: the site path of its page (its bundle's page, or its shared page). */
  readonly page: string;
  /** The id of its section on its bundle's page; none for a shared file (its page is its own). */
  readonly anchor?: string;
  /** The same file (same path, bytes, mode and facts) in other bundles too: shown once. */
  readonly shared?: SharedFileView;
}

/** A file that two or more bundles hold byte for byte, shown on one page of its own. */
export interface SharedFileView {
  /** Site path of its page: shared/<path>.<start of sha256>.html. */
  readonly page: string;
  /** The bundles that hold it, in bundle order, each with the file's change in that bundle. */
  readonly holders: readonly SharedHolder[];
  /** Its holders are every node (and not the admin bundle). */
  readonly everyNode: boolean;
}

/** A bundle that holds a shared file, and how the file changed in it (its bundles may differ). */
export interface SharedHolder {
  readonly id: string;
  readonly name: string;
  readonly change?: ChangeStatus;
  /** The bundle's previous text of the file, when it changed and is not secret. */
  readonly previousText?: string;
}

export interface BundleView {
  /** "nodes/<name>" or "admin". */
  readonly id: string;
  readonly name: string;
  readonly node?: NodePlan;
  readonly fileName: string;
  /** Site path of the tarball (as generate writes it: nodes/<node>.tar.gz, admin.tar.gz). */
  readonly tarballPath: string;
  /** Site path of the bundle's page, which shows its files (other than the shared ones). */
  readonly page: string;
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
  /**
   * Each node's pod range in the previous generation (its plan.json), by node name: then the site
   * says whether a range was kept or newly allocated. Without it the site only says "allocated".
   */
  readonly podCIDRs?: Readonly<Record<string, string>>;
}

/** Faster primitives the caller may bring (the CLI brings Node's); the results are the same. */
export interface ReadOptions {
  /** gunzip, e.g. Node's zlib.gunzipSync. Default: pako's. */
  readonly gunzip?: (bytes: Uint8Array) => Uint8Array;
  /** SHA-256 as lowercase hex, e.g. Node's crypto. Default: @noble/hashes. */
  readonly sha256?: (bytes: Uint8Array) => string;
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
  if (a === b) return true;
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

// eslint-disable-next-line no-control-regex -- CR and NUL do not survive in an HTML page's text.
const NOT_KEPT_IN_HTML = /[\r\u0000\uFFFD]/;

function textIsExact(text: string, bytes: Uint8Array): boolean {
  // TextDecoder drops a byte order mark and turns invalid UTF-8 into U+FFFD; otherwise the UTF-8 of
  // the text is the bytes.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return !bom && !NOT_KEPT_IN_HTML.test(text);
}

/** A file of a bundle with everything but where the site shows it and its change in that bundle. */
type FileFacts = Omit<FileView, "page" | "anchor" | "shared" | "change" | "previousText">;

/**
 * Files with the same key and bytes, held by several bundles: read, decoded and redacted once. The
 * change is not part of what makes files the same: a file a new node holds byte for byte like the
 * others is the same file, added in that bundle and unchanged (or changed) in the others.
 */
interface FileGroup {
  readonly bytes: Uint8Array;
  readonly facts: FileFacts;
  readonly holders: SharedHolder[];
}

/**
 * An element id for a file's section on its bundle's page: letters, digits, "-" and "_" only
 * ("f-etc-kubernetes-pki-ca_crt" for etc/kubernetes/pki/ca.crt), made unique within the page.
 */
function anchorOf(path: string, taken: Set<string>): string {
  const base = `f-${path.replace(/\//g, "-").replace(/[^A-Za-z0-9-]/g, "_")}`;
  let anchor = base;
  for (let count = 2; taken.has(anchor); count += 1) anchor = `${base}-${count}`;
  taken.add(anchor);
  return anchor;
}

export function buildBundles(
  cluster: GeneratedCluster,
  bundles: { readonly nodes: readonly Bundle[]; readonly admin: Bundle },
  previous: PreviousGeneration | undefined,
  options: ReadOptions = {},
): BundleView[] {
  const hash = options.sha256 ?? sha256Hex;
  const certificates = new Map<string, IssuedCertificate>();
  for (const certificate of cluster.pki.certificates)
    if (certificate.certificatePem) certificates.set(certificate.certificatePem.trim(), certificate);
  const previousByName = new Map(previous?.bundles.map((entry) => [entry.name, entry.bytes]) ?? []);
  // Every file by what makes it the same file to a reviewer: path, mode, sha256 and the artifact's
  // facts: then its bytes decide.
  const groups = new Map<string, FileGroup[]>();
  // Previous texts by sha256: a file that changed the same way in many bundles (a routes table when a
  // node joins) is decoded once, not once per bundle.
  const previousTexts = new Map<string, string>();

  const view = (
    id: string,
    name: string,
    bundle: Bundle,
    artifacts: readonly Artifact[],
    node: NodePlan | undefined,
    tarballPath: string,
  ): { bundle: Omit<BundleView, "files">; files: { group: FileGroup; holder: SharedHolder }[] } => {
    const files = readTarGz(bundle.bytes, options.gunzip);
    const sums = sumsOf(files);
    const byPath = new Map(artifacts.map((artifact) => [artifact.path.replace(/^\/+/, ""), artifact]));
    const previousBytes = previousByName.get(name);
    const previousFiles = previousBytes ? readTarGz(previousBytes, options.gunzip) : undefined;
    const previousMap = new Map(previousFiles?.map((file) => [file.path, file]) ?? []);
    const previousSecrets = previousFiles ? secretPaths(previousFiles) : new Set<string>();
    const previousSums = previousFiles ? sumsOf(previousFiles) : new Map<string, string>();
    const fileGroups = files.map((file): { group: FileGroup; holder: SharedHolder } => {
      const artifact = byPath.get(file.path);
      const extra = BUNDLE_FILES[file.path];
      const secret = artifact?.secret ?? false;
      const kind = artifact?.kind ?? "bundle";
      const why = artifact?.why ?? extra?.why ?? "Part of the bundle.";
      const requirements = artifact?.requirements ?? extra?.requirements ?? [];
      const before = previousMap.get(file.path);
      // In a bundle the previous generation did not have, every file is added.
      const change: ChangeStatus | undefined = previous
        ? before === undefined
          ? "added"
          : equalBytes(before.bytes, file.bytes) && before.mode === file.mode
            ? "unchanged"
            : "changed"
        : undefined;
      const fileSha = sums.get(file.path) ?? hash(file.bytes);
      let previousText: string | undefined;
      if (change === "changed" && before !== undefined && !secret && !previousSecrets.has(file.path)) {
        const previousSha = previousSums.get(file.path) ?? hash(before.bytes);
        previousText = previousTexts.get(previousSha);
        if (previousText === undefined) previousTexts.set(previousSha, (previousText = textOf(before.bytes)));
      }
      const holder: SharedHolder = {
        id,
        name,
        ...(change ? { change } : {}),
        ...(previousText !== undefined ? { previousText } : {}),
      };
      const key = [
        file.path,
        file.mode,
        fileSha,
        kind,
        secret,
        why,
        requirements.join(" "),
        artifact?.path ?? "",
      ].join("\u0000");
      const known = groups.get(key);
      const same = known?.find((group) => equalBytes(group.bytes, file.bytes));
      if (same) {
        same.holders.push(holder);
        return { group: same, holder };
      }
      const text = textOf(file.bytes);
      const certificate = kind === "certificate" ? certificates.get(text.trim()) : undefined;
      const facts: FileFacts = {
        path: file.path,
        installPath: artifact ? artifact.path : file.path,
        mode: file.mode,
        size: file.bytes.length,
        sha256: fileSha,
        kind,
        secret,
        why,
        requirements,
        text,
        textIsExact: textIsExact(text, file.bytes),
        redacted: redact(text, secret, kind),
        ...(certificate ? { certificate } : {}),
      };
      const group: FileGroup = { bytes: file.bytes, facts, holders: [holder] };
      if (known) known.push(group);
      else groups.set(key, [group]);
      return { group, holder };
    });
    const current = new Set(files.map((file) => file.path));
    return {
      bundle: {
        id,
        name,
        ...(node ? { node } : {}),
        fileName: bundle.fileName,
        tarballPath,
        page: `${id}/index.html`,
        bytes: bundle.bytes,
        sha256: hash(bundle.bytes),
        secretCount: fileGroups.filter(({ group }) => group.facts.secret).length,
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
      },
      files: fileGroups,
    };
  };

  const bundleByFile = new Map(bundles.nodes.map((bundle) => [bundle.fileName, bundle]));
  const planByName = new Map(cluster.plan.nodes.map((node) => [node.name, node]));
  const read = cluster.nodes.map((node) => {
    const bundle = bundleByFile.get(`${node.name}.tar.gz`);
    if (!bundle) throw new Error(`no bundle for node ${node.name}`);
    const plan = planByName.get(node.name);
    return view(`nodes/${node.name}`, node.name, bundle, node.artifacts, plan, `nodes/${bundle.fileName}`);
  });
  read.push(view("admin", "admin", bundles.admin, cluster.admin.artifacts, undefined, "admin.tar.gz"));

  // A file two or more bundles hold gets a page of its own; the others are shown on their bundle's page.
  const sharedPages = new Set<string>();
  const sharedViews = new Map<FileGroup, SharedFileView>();
  return read.map(({ bundle, files }) => {
    const anchors = new Set<string>();
    return {
      ...bundle,
      files: files.map(({ group, holder }): FileView => {
        const change = {
          ...(holder.change ? { change: holder.change } : {}),
          ...(holder.previousText !== undefined ? { previousText: holder.previousText } : {}),
        };
        if (group.holders.length < 2)
          return {
            ...group.facts,
            ...change,
            page: bundle.page,
            anchor: anchorOf(group.facts.path, anchors),
          };
        let shared = sharedViews.get(group);
        if (shared === undefined) {
          const base = `shared/${group.facts.path}.${group.facts.sha256.slice(0, 12)}`;
          let page = `${base}.html`;
          for (let count = 2; sharedPages.has(page); count += 1) page = `${base}-${count}.html`;
          sharedPages.add(page);
          const everyNode =
            group.holders.length === cluster.nodes.length &&
            group.holders.every((holder) => holder.id !== "admin");
          shared = { page, holders: group.holders, everyNode };
          sharedViews.set(group, shared);
        }
        return { ...group.facts, ...change, page: shared.page, shared };
      }),
    };
  });
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
