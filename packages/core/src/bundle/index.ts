// One deterministic tar.gz per node, and one for the admin: every artifact at its install path
// (relative to /), install.sh and validate.sh, MANIFEST.json and SHA256SUMS. Same generation (same
// state) gives the same bytes, so an unchanged node's bundle never changes.
import type { Artifact } from "../artifact.js";
import { sha256Hex, utf8Encode } from "../bytes.js";
import {
  CHECK_SCRIPT_PATH,
  ENDPOINT_UNITS,
  HYGIENE_PACKAGES_PATH,
  KEEPALIVED_CONFIG_PATH,
  MANIFEST_DIR,
  RESOLV_CONF_LINK,
} from "../install-paths.js";
import { runtimeUnit } from "../components/runtime.js";
import type { VersionProfile } from "../versions/profile.js";
import { hostPort } from "../net/ip.js";
import { hygienePackages } from "../components/hygiene.js";
import { flannelCniConfig } from "../components/network-overlays.js";
import type { GeneratedCluster, NodeOutput } from "../generate.js";
import {
  adminReadme,
  installScript,
  nginxExample,
  validateClusterScript,
  validateScript,
} from "./scripts.js";
import {
  deflatePart,
  pakoDeflater,
  gzipParts,
  tarParts,
  type DeflatedPart,
  type Deflater,
  type TarEntry,
} from "./tar.js";

export interface Bundle {
  /** "<node>.tar.gz" or "admin.tar.gz". */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** Files inside, not counting MANIFEST.json and SHA256SUMS. */
  readonly fileCount: number;
}

export interface ManifestEntry {
  readonly path: string;
  readonly mode: string;
  readonly sha256: string;
  readonly kind: Artifact["kind"];
  readonly secret: boolean;
  readonly why: string;
  readonly requirements: readonly string[];
}

const NETWORK_SCRIPT_DIRECTORY = "/etc/kubernetes/network/";

/** The current kubelet's resolv.conf: the spec's file, or the link install.sh points at the node's upstream servers. */
export function kubeletResolvConf(spec: GeneratedCluster["spec"]): { path: string; link: boolean } {
  return spec.kubelet.resolvConf !== undefined
    ? { path: spec.kubelet.resolvConf, link: false }
    : { path: RESOLV_CONF_LINK, link: true };
}

/**
 * Folders a node's services read even when its bundle puts nothing there: the kubelet watches its
 * static pod folder on workers too, and logs an error every few seconds while it is missing.
 */
export const SERVICE_DIRECTORIES: readonly string[] = [MANIFEST_DIR];

/** Where the command of a unit lives, for the install preflight's binary checks. */
const VERSION_CHECKS: Readonly<
  Record<
    string,
    { args: readonly string[]; expect: (version: string) => string; fix: string; minimum?: string }
  >
> = {
  kubelet: {
    args: ["--version"],
    expect: (version) => `v${version}`,
    fix: "install kubelet from kubernetes-server-linux-amd64.tar.gz (server/bin) of this version",
  },
  "kube-proxy": {
    args: ["--version"],
    expect: (version) => `v${version}`,
    fix: "install kube-proxy from kubernetes-server-linux-amd64.tar.gz (server/bin) of this version",
  },
  containerd: {
    args: ["--version"],
    expect: () => "containerd",
    // The generated config.toml names registry hosts by config_path, which containerd reads since
    // 1.5.0 (pkg/cri/config/config.go; absent in 1.4).
    minimum: "1.5",
    fix: "install containerd 1.5 or later (e.g. apt-get install containerd)",
  },
  docker: {
    args: ["--version"],
    expect: () => "Docker version",
    fix: "install docker (the OS package of the era)",
  },
  // The endpoint's load balancer (controlPlane.endpoint "keepalived-haproxy"): haproxy.cfg checks
  // apiservers with http-check connect/send, which arrived in HAProxy 2.2.
  haproxy: {
    args: ["-v"],
    expect: () => "HAProxy version",
    minimum: "2.2",
    fix: "install haproxy 2.2 or later (e.g. apt-get install haproxy)",
  },
  keepalived: {
    args: ["--version"],
    expect: () => "Keepalived",
    fix: "install keepalived (e.g. apt-get install keepalived)",
  },
};

/**
 * The node's network setup scripts (forwarding, bridge, routes, masquerade, firewall), which install.sh
 * (and cloud-init) run after placing the files and before starting the units.
 */
export function networkScripts(artifacts: readonly Artifact[]): string[] {
  return artifacts
    .filter((artifact) => artifact.kind === "script" && artifact.path.startsWith(NETWORK_SCRIPT_DIRECTORY))
    .map((artifact) => artifact.path);
}

/**
 * The hygiene packages script (S22), run after the node's services started: optional packages never
 * hold back the kubelet, and a node that cannot fetch them still comes up.
 */
export function hygieneScript(artifacts: readonly Artifact[]): string | undefined {
  return artifacts.find((artifact) => artifact.kind === "script" && artifact.path === HYGIENE_PACKAGES_PATH)
    ?.path;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

function relativePath(path: string): string {
  return path.replace(/^\/+/, "");
}

/** The start order of units: runtime first, then the kubelet, then everything else by name. */
function unitOrder(name: string): number {
  // The node's own network unit first: the runtime's bridge must exist before the runtime starts.
  if (name.startsWith("kubescratch-")) return -1;
  if (/^(docker|containerd|rkt-metadata|rkt-api)\.service$/.test(name)) return 0;
  if (name === "kubelet.service") return 2;
  return 3;
}

/** The node's systemd services in the order install.sh (and cloud-init) starts them. */
export function unitsInStartOrder(artifacts: readonly Artifact[]): string[] {
  return artifacts
    .filter(
      (artifact) =>
        artifact.kind === "systemd-unit" && /^\/etc\/systemd\/system\/[^/]+\.service$/.test(artifact.path),
    )
    .map((artifact) => artifact.path.slice("/etc/systemd/system/".length))
    .sort((a, b) => unitOrder(a) - unitOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** VERSION_CHECKS with the release's own rkt: the kubelet refuses an older one (pkg/kubelet/rkt). */
function versionChecks(profile: VersionProfile): typeof VERSION_CHECKS {
  const rkt = profile.rkt;
  if (!rkt) return VERSION_CHECKS;
  return {
    ...VERSION_CHECKS,
    rkt: {
      args: ["version"],
      expect: () => "rkt Version",
      minimum: rkt.minimumVersion,
      fix: `install rkt ${rkt.minimumVersion} or later: the Kubernetes ${profile.version} kubelet refuses older ones`,
    },
  };
}

function binariesOf(artifacts: readonly Artifact[], profile: VersionProfile) {
  const version = profile.version;
  const checks = versionChecks(profile);
  const binaries = new Map<
    string,
    { path: string; versionArgs: readonly string[]; expect: string; fix: string; minimum?: string }
  >();
  for (const artifact of artifacts.filter((entry) => entry.kind === "systemd-unit")) {
    for (const match of artifact.content.matchAll(/^ExecStart=[-@:+!]*(\/\S+)/gm)) {
      const path = match[1] ?? "";
      const check = checks[path.slice(path.lastIndexOf("/") + 1)];
      if (check)
        binaries.set(path, {
          path,
          versionArgs: check.args,
          expect: check.expect(version),
          fix: check.fix,
          ...(check.minimum === undefined ? {} : { minimum: check.minimum }),
        });
    }
  }
  return [...binaries.values()];
}

/** The CNI configuration folder the runtime reads (and the network plugins' install-cni fill). */
const CNI_CONFIG_DIRECTORY = "/etc/cni/net.d/";

function pluginTypes(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) pluginTypes(item, into);
  else if (value !== null && typeof value === "object")
    for (const [key, inner] of Object.entries(value)) {
      if (key === "type" && typeof inner === "string") into.add(inner);
      else pluginTypes(inner, into);
    }
}

/**
 * The CNI plugins containerd runs on this node: loopback for every pod sandbox, each plugin of the
 * node's own CNI configuration (and its IPAM), and with flannel the plugins of its configuration
 * other than flannel itself, which its DaemonSet installs.
 */
function cniPluginsOf(cluster: GeneratedCluster, artifacts: readonly Artifact[]): string[] | undefined {
  if (cluster.spec.runtime.type !== "containerd") return undefined;
  const names = new Set<string>(["loopback"]);
  for (const artifact of artifacts)
    if (artifact.path.startsWith(CNI_CONFIG_DIRECTORY)) pluginTypes(JSON.parse(artifact.content), names);
  if (cluster.plan.network.overlay === "flannel") {
    pluginTypes(flannelCniConfig(cluster), names);
    names.add("bridge");
    names.add("host-local");
    names.delete("flannel");
  }
  return [...names].sort();
}

export interface BundleOptions {
  /**
   * A faster compressor, e.g. Node's native zlib (the CLI passes it). Its bytes may differ from pako's,
   * so use one compressor for every bundle you compare.
   */
  readonly deflater?: Deflater;
  /** A faster SHA-256 (hex), e.g. Node's native one; the result is the same, only the speed differs. */
  readonly sha256?: (bytes: Uint8Array) => string;
}

const DEFAULT_OPTIONS: BundleOptions = {};

/**
 * zlib levels. A node's own files are compressed fast: level 1 takes a third of level 6's time
 * for 10 % more bytes (17.0 against 15.5 KB a node, measured at 5,000 nodes), and at 5,000 nodes
 * level 6 would be the largest single cost of a generation. The files the same on every node are
 * compressed once for all of them, so as small as zlib can.
 */
export const BUNDLE_LEVEL = 1;
export const SHARED_LEVEL = 9;

/** A bundle before compression: the archive's runs, and the parts already compressed (shared files). */
export interface PackedBundle {
  readonly fileName: string;
  readonly fileCount: number;
  readonly parts: readonly (Uint8Array | DeflatedPart)[];
}

export interface BundleFile {
  /** Relative path inside the bundle. */
  readonly path: string;
  readonly mode: number;
  readonly content: string;
  /** The artifact the file installs, for MANIFEST.json (install.sh, validate.sh, ... have none). */
  readonly artifact?: Artifact;
}

function byPath<T extends { path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** A file that is the same in every node's bundle, encoded and hashed once. */
interface SharedFile {
  readonly path: string;
  readonly mode: number;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

interface SharedCache {
  /** By content. */
  readonly files: Map<string, SharedFile>;
  /** The compressed tail (shared files and end blocks) by the shared files' paths. */
  readonly tails: Map<string, { readonly files: readonly SharedFile[]; readonly part: DeflatedPart }>;
}

// Per cluster and options (the compressor decides the bytes).
const sharedCaches = new WeakMap<GeneratedCluster, WeakMap<BundleOptions, SharedCache>>();

function sharedCacheOf(cluster: GeneratedCluster, options: BundleOptions): SharedCache {
  let byOptions = sharedCaches.get(cluster);
  if (byOptions === undefined) sharedCaches.set(cluster, (byOptions = new WeakMap()));
  let cache = byOptions.get(options);
  if (cache === undefined) byOptions.set(options, (cache = { files: new Map(), tails: new Map() }));
  return cache;
}

/**
 * Encodes and hashes every file once, writes MANIFEST.json and SHA256SUMS, and cuts the archive into
 * the parts to compress; files the same on every node are encoded and compressed once per cluster.
 */
function pack(
  files: readonly BundleFile[],
  mtime: number,
  options: BundleOptions,
  shared: SharedCache,
): (Uint8Array | DeflatedPart)[] {
  const hash = options.sha256 ?? sha256Hex;
  const tailFiles: SharedFile[] = [];
  const encoded = files.map((file) => {
    if (file.artifact?.sameOnEveryNode) {
      let known = shared.files.get(file.content);
      if (known === undefined || known.path !== file.path || known.mode !== file.mode) {
        const bytes = utf8Encode(file.content);
        known = { path: file.path, mode: file.mode, bytes, sha256: hash(bytes) };
        shared.files.set(file.content, known);
      }
      tailFiles.push(known);
      return { ...file, content: known.bytes, sha256: known.sha256 };
    }
    const content = utf8Encode(file.content);
    return { path: file.path, mode: file.mode, content, sha256: hash(content), artifact: file.artifact };
  });
  const manifest: ManifestEntry[] = encoded.flatMap((file) =>
    file.artifact
      ? [
          {
            path: file.artifact.path,
            mode: octal(file.artifact.mode),
            sha256: file.sha256,
            kind: file.artifact.kind,
            secret: file.artifact.secret,
            why: file.artifact.why,
            requirements: file.artifact.requirements,
          },
        ]
      : [],
  );
  const manifestBytes = utf8Encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const hashed = [
    ...encoded,
    { path: "MANIFEST.json", mode: 0o644, content: manifestBytes, sha256: hash(manifestBytes) },
  ].sort(byPath);
  const sums = utf8Encode(hashed.map((file) => `${file.sha256}  ${file.path}\n`).join(""));
  // The shared files go last, after the sorted rest: their compressed tail is the same everywhere.
  const isTail = new Set(tailFiles.map((file) => file.path));
  const entries: TarEntry[] = [...hashed, { path: "SHA256SUMS", mode: 0o644, content: sums, sha256: "" }]
    .filter((file) => !isTail.has(file.path))
    .sort(byPath)
    .map((file) => ({ path: file.path, mode: file.mode, content: file.content }));
  tailFiles.sort(byPath);
  const tail = tailFiles.map((file) => ({ path: file.path, mode: file.mode, content: file.bytes }));
  const deflater = options.deflater ?? pakoDeflater;
  return tarParts(entries, tail, mtime, (raw) => {
    const key = tailFiles.map((file) => file.path).join("\0");
    const known = shared.tails.get(key);
    if (known !== undefined && known.files.every((file, index) => file === tailFiles[index]))
      return known.part;
    const part = deflatePart(raw(), true, deflater, SHARED_LEVEL);
    shared.tails.set(key, { files: [...tailFiles], part });
    return part;
  });
}

/** The bundle's modification time: when the cluster was first generated (kept in the state). */
function mtimeOf(cluster: GeneratedCluster): number {
  return Math.floor(Date.parse(cluster.state.createdAt) / 1000);
}

/** Every file of a node's bundle: its artifacts, then install.sh and validate.sh. */
export function nodeBundleFiles(cluster: GeneratedCluster, node: NodeOutput): BundleFile[] {
  const plan = cluster.plan;
  const nodePlan = plan.nodes.find((entry) => entry.name === node.name);
  if (!nodePlan) throw new Error(`unreachable: ${node.name} is not in the plan`);
  const version = plan.profile.version;
  const https = plan.security.mode === "https";
  const hygiene = hygieneScript(node.artifacts);
  const cniPlugins = cniPluginsOf(cluster, node.artifacts);
  const current = plan.profile.era === "current";
  const vipInterface = node.artifacts.some((artifact) => artifact.path === KEEPALIVED_CONFIG_PATH)
    ? cluster.spec.controlPlane.endpoint?.interface
    : undefined;
  const commands = [
    ...(vipInterface !== undefined
      ? [
          {
            name: "curl",
            usedBy: `keepalived's health check (${CHECK_SCRIPT_PATH})`,
            fix: "apt-get install curl (or the curl package of the distribution)",
          },
        ]
      : []),
    ...(plan.profile.era === "legacy" && plan.network.bridge.management === "kubelet"
      ? [
          {
            name: "brctl",
            usedBy: "the kubelet (--configure-cbr0=true creates cbr0 with brctl addbr)",
            fix: "apt-get install bridge-utils (or the bridge-utils package of the distribution)",
          },
        ]
      : []),
  ];
  const units = unitsInStartOrder(node.artifacts);
  const install = installScript({
    nodeName: node.name,
    nodeIp: nodePlan.ip,
    kubernetesVersion: version,
    files: node.artifacts.map((artifact) => ({
      path: artifact.path,
      mode: artifact.mode,
      secret: artifact.secret,
    })),
    networkScripts: networkScripts(node.artifacts),
    units,
    binaries: binariesOf(node.artifacts, plan.profile),
    ...(cluster.spec.runtime.type === "rkt" && plan.profile.rkt
      ? { systemdMinimum: plan.profile.rkt.minimumSystemd }
      : {}),
    ...(hygiene !== undefined
      ? {
          hygieneScript: hygiene,
          hygienePackages: { names: hygienePackages(cluster), install: cluster.spec.hygiene.installPackages },
        }
      : {}),
    // The generated KubeletConfiguration leaves failSwapOn and failCgroupV1 at their defaults: every
    // current kubelet refuses swap, and from 1.35 cgroup v1 (pkg/kubelet/apis/config/v1beta1/defaults.go).
    ...(current ? { swapOff: true } : {}),
    ...(current && plan.profile.minorNumber >= 35 ? { cgroupV2: true } : {}),
    ...(cniPlugins !== undefined
      ? { cniPlugins: { directory: cluster.spec.runtime.cniBinDir, names: cniPlugins } }
      : {}),
    directories: SERVICE_DIRECTORIES,
    ...(current ? { resolvConf: kubeletResolvConf(cluster.spec) } : {}),
    ...(vipInterface === undefined ? {} : { vipInterface }),
    ...(commands.length > 0 ? { commands } : {}),
  });
  const validate = validateScript({
    nodeName: node.name,
    roles: nodePlan.roles,
    runtime: cluster.spec.runtime.type,
    runtimeUnit: runtimeUnit({ spec: cluster.spec, profile: plan.profile }),
    // Today's apiserver is asked at the node's own address: its certificate names that address (the
    // advertise address), not loopback, unless the spec adds 127.0.0.1 to apiserverExtraSANs.
    // The seed's insecure port listens on loopback in HTTPS mode, on the node's address behind the
    // firewall (--insecure-bind-address, S26).
    apiserverLocalUrl:
      plan.profile.apiserverInsecurePort !== undefined
        ? `http://${hostPort(https ? "127.0.0.1" : nodePlan.ip, plan.profile.apiserverInsecurePort)}`
        : `https://${hostPort(nodePlan.ip, plan.controlPlane.apiserverPort)}`,
    ...(plan.profile.era === "current" && https
      ? { kubeconfig: "/var/lib/kubelet/kubeconfig", caFile: "/etc/kubernetes/pki/ca.crt" }
      : {}),
    ...(plan.controlPlane.endpoint === undefined ? {} : { endpointUrl: plan.controlPlane.apiserverURL }),
    otherUnits: units.filter((unit) => ENDPOINT_UNITS.includes(unit)),
  });
  const files: BundleFile[] = [
    ...node.artifacts.map((artifact) => ({
      path: relativePath(artifact.path),
      mode: artifact.mode,
      content: artifact.content,
      artifact,
    })),
    { path: "install.sh", mode: 0o755, content: install },
    { path: "validate.sh", mode: 0o755, content: validate },
  ];
  return files;
}

/** A node's bundle, packed but not compressed yet (see finishBundle). */
export function packNode(
  cluster: GeneratedCluster,
  node: NodeOutput,
  options: BundleOptions = DEFAULT_OPTIONS,
): PackedBundle {
  const files = nodeBundleFiles(cluster, node);
  return {
    fileName: `${node.name}.tar.gz`,
    parts: pack(files, mtimeOf(cluster), options, sharedCacheOf(cluster, options)),
    fileCount: files.length,
  };
}

/** Compresses a packed bundle's runs and splices them into its tar.gz. */
export function finishBundle(packed: PackedBundle, options: BundleOptions = DEFAULT_OPTIONS): Bundle {
  return {
    fileName: packed.fileName,
    fileCount: packed.fileCount,
    bytes: gzipParts(packed.parts, options.deflater ?? pakoDeflater, BUNDLE_LEVEL),
  };
}

export function bundleNode(
  cluster: GeneratedCluster,
  node: NodeOutput,
  options: BundleOptions = DEFAULT_OPTIONS,
): Bundle {
  return finishBundle(packNode(cluster, node, options), options);
}

/** Every file of the admin bundle: its artifacts, then README.md, validate-cluster.sh and the nginx example. */
export function adminBundleFiles(cluster: GeneratedCluster): BundleFile[] {
  const plan = cluster.plan;
  const admin = cluster.admin.artifacts;
  const kubeconfig =
    admin.find((artifact) => artifact.kind === "kubeconfig")?.path ?? "kubeconfigs/admin.kubeconfig";
  const extra = [
    {
      path: "README.md",
      mode: 0o644,
      content: adminReadme({
        clusterName: plan.clusterName,
        kubernetesVersion: plan.profile.version,
        nodes: plan.nodes.map((node) => ({ name: node.name, roles: node.roles, ip: node.ip })),
        dnsEnabled: cluster.spec.addons.dns.enabled,
        kubeconfigFile: kubeconfig,
        ...(plan.security.mode === "firewall-only"
          ? { kubectlOnNode: plan.nodes.find((node) => node.ip === plan.controlPlane.masterIP)?.name ?? "" }
          : {}),
      }),
    },
    {
      path: "validate-cluster.sh",
      mode: 0o755,
      content: validateClusterScript({
        clusterName: plan.clusterName,
        nodeNames: plan.nodes.map((node) => node.name),
        dnsServiceIp: plan.network.dnsServiceIP,
        clusterDomain: plan.network.clusterDomain,
        kubeconfigFile: kubeconfig,
        kubernetesVersion: plan.profile.version,
      }),
    },
    {
      path: "nginx-example.yaml",
      mode: 0o644,
      content: nginxExample({ kubernetesVersion: plan.profile.version }),
    },
  ];
  const files: BundleFile[] = [
    ...admin.map((artifact) => ({
      path: artifact.path,
      mode: artifact.mode,
      content: artifact.content,
      artifact,
    })),
    ...extra,
  ];
  return files;
}

export function packAdmin(cluster: GeneratedCluster, options: BundleOptions = DEFAULT_OPTIONS): PackedBundle {
  const files = adminBundleFiles(cluster);
  return {
    fileName: "admin.tar.gz",
    parts: pack(files, mtimeOf(cluster), options, sharedCacheOf(cluster, options)),
    fileCount: files.length,
  };
}

export function bundleAdmin(cluster: GeneratedCluster, options: BundleOptions = DEFAULT_OPTIONS): Bundle {
  return finishBundle(packAdmin(cluster, options), options);
}

export function bundleCluster(
  cluster: GeneratedCluster,
  options: BundleOptions = DEFAULT_OPTIONS,
): { nodes: Bundle[]; admin: Bundle } {
  return {
    nodes: cluster.nodes.map((node) => bundleNode(cluster, node, options)),
    admin: bundleAdmin(cluster, options),
  };
}
