// The real components, built from their Go modules (go.mod and go.sum committed under ../go), and the
// images made from them: what a user downloads as release binaries and pulls from registry.k8s.io,
// made here without a registry. Each build is cached by the hash of what went into it.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  FLANNEL_CNI_PLUGIN_IMAGE,
  FLANNEL_IMAGE,
  resolveKubernetesVersion,
  versionProfile,
} from "@kubescratch/core";
import { cacheRoot } from "./cache.js";
import { run } from "./exec.js";
import { writeImageArchive, type ImageSpec } from "./images.js";
import { debianPackageFiles } from "./debian.js";
import { buildLegacyAssets } from "./legacy-assets.js";

const GO_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "go");

/** Bumped when this file changes how binaries or images are made, so caches are rebuilt. */
const RECIPE = "2";

export interface AssetFolders {
  readonly version: string;
  /** kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl, etcd, etcdctl, coredns, crictl, pause */
  readonly binaries: string;
  /** One OCI image archive (.tar) per image. */
  readonly images: string;
}

interface GoBinary {
  readonly name: string;
  readonly goPackage: string;
  readonly ldflags: readonly string[];
  /** Links against the C library (flanneld's udp backend is C); the image then brings libc. */
  readonly cgo?: boolean;
}

interface GoModuleBuild {
  readonly moduleDir: string;
  readonly binaries: readonly GoBinary[];
}

type Log = (line: string) => void;

/** The commit and date the proxy recorded for a module version (the release's own stamp). */
async function moduleOrigin(moduleDir: string, module: string): Promise<{ commit: string; date: string }> {
  const result = await run("go", ["mod", "download", "-json", module], { cwd: moduleDir, env: goEnv() });
  const info = JSON.parse(result.stdout) as { Info?: string };
  if (!info.Info) return { commit: "", date: "1970-01-01T00:00:00Z" };
  const text = JSON.parse(await readFile(info.Info, "utf8")) as { Time?: string; Origin?: { Hash?: string } };
  return {
    commit: text.Origin?.Hash ?? "",
    date: (text.Time ?? "1970-01-01T00:00:00Z").replace(/\.\d+Z$/, "Z"),
  };
}

function goEnv(cgo = false): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return { ...env, CGO_ENABLED: cgo ? "1" : "0", GOFLAGS: "-mod=readonly -trimpath -buildvcs=false" };
}

function moduleFolder(name: string): string {
  const folder = join(GO_DIR, name);
  if (!existsSync(join(folder, "go.mod")))
    throw new Error(
      `no Go module ${name} in ${GO_DIR}: add one (go.mod and go.sum pinning that release, as the others do) to build it`,
    );
  return folder;
}

async function kubernetesBuild(version: string): Promise<GoModuleBuild> {
  const moduleDir = moduleFolder(`kubernetes-v${version}`);
  const { commit, date } = await moduleOrigin(moduleDir, "k8s.io/kubernetes");
  const [major, minor] = version.split(".");
  const stamp = (pkg: string): string[] => [
    `-X ${pkg}.gitVersion=v${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitCommit=${commit}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.buildDate=${date}`,
  ];
  const ldflags = [...stamp("k8s.io/component-base/version"), ...stamp("k8s.io/client-go/pkg/version")];
  const commands = [
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kubectl",
  ];
  return {
    moduleDir,
    binaries: commands.map((name) => ({ name, goPackage: `k8s.io/kubernetes/cmd/${name}`, ldflags })),
  };
}

async function etcdBuild(version: string): Promise<GoModuleBuild> {
  const moduleDir = moduleFolder(`etcd-v${version}`);
  const { commit } = await moduleOrigin(moduleDir, "go.etcd.io/etcd/server/v3");
  const ldflags = [`-X go.etcd.io/etcd/api/v3/version.GitSHA=${commit.slice(0, 9)}`];
  return {
    moduleDir,
    binaries: [
      { name: "etcd", goPackage: "go.etcd.io/etcd/server/v3", ldflags },
      { name: "etcdctl", goPackage: "go.etcd.io/etcd/etcdctl/v3", ldflags },
    ],
  };
}

async function corednsBuild(tag: string): Promise<GoModuleBuild> {
  const moduleDir = moduleFolder(`coredns-${tag}`);
  const { commit } = await moduleOrigin(moduleDir, "github.com/coredns/coredns");
  return {
    moduleDir,
    binaries: [
      {
        name: "coredns",
        goPackage: "github.com/coredns/coredns",
        ldflags: [`-X github.com/coredns/coredns/coremain.GitCommit=${commit.slice(0, 7)}`],
      },
    ],
  };
}

const CRI_TOOLS = "v1.34.0";

function crictlBuild(): GoModuleBuild {
  return {
    moduleDir: moduleFolder(`cri-tools-${CRI_TOOLS}`),
    binaries: [
      {
        name: "crictl",
        goPackage: "sigs.k8s.io/cri-tools/cmd/crictl",
        ldflags: [`-X sigs.k8s.io/cri-tools/pkg/version.Version=${CRI_TOOLS}`],
      },
    ],
  };
}

/**
 * The flannel code the module proxy here serves nearest to the tags the generated addon names
 * (flannel v0.28.2 is not served; flannel-io/cni-plugin v1.9.0-flannel1 not at all, so its plugin
 * comes from its previous home).
 */
const FLANNEL_RELEASE = "v0.28.4";
const FLANNEL_CNI_PLUGINS = "v0.9.1";
/** In the flannel CNI stand-in's description: the rehearsal's overlay for the addon looks for it. */
export const CNI_UP_TO_0_4 = "it speaks CNI up to 0.4.0";

function flannelBuild(): GoModuleBuild {
  return {
    moduleDir: moduleFolder(`flannel-${FLANNEL_RELEASE}`),
    binaries: [
      {
        name: "flanneld",
        goPackage: "github.com/flannel-io/flannel",
        ldflags: [`-X github.com/flannel-io/flannel/pkg/version.Version=${FLANNEL_RELEASE}`],
        cgo: true,
      },
    ],
  };
}

function flannelCniBuild(): GoModuleBuild {
  return {
    moduleDir: moduleFolder(`cni-plugins-${FLANNEL_CNI_PLUGINS}`),
    binaries: [
      {
        name: "flannel",
        goPackage: "github.com/containernetworking/plugins/plugins/meta/flannel",
        ldflags: [],
      },
    ],
  };
}

function pauseBuild(tag: string): GoModuleBuild {
  return {
    moduleDir: moduleFolder("tools"),
    binaries: [
      {
        name: "pause",
        goPackage: "kubescratch.dev/rehearse/tools/pause",
        ldflags: [`-X main.version=${tag}`],
      },
    ],
  };
}

function sha256Of(...parts: (string | Uint8Array)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** Builds a module's binaries into the cache unless the same inputs were built before; returns the folder. */
async function buildModule(build: GoModuleBuild, log: Log): Promise<string> {
  const goMod = await readFile(join(build.moduleDir, "go.mod"));
  const goSum = existsSync(join(build.moduleDir, "go.sum"))
    ? await readFile(join(build.moduleDir, "go.sum"))
    : "";
  const goVersion = (await run("go", ["env", "GOVERSION"])).stdout.trim();
  const key = sha256Of(RECIPE, goVersion, goMod, goSum, JSON.stringify(build.binaries));
  const name = build.moduleDir.split("/").pop() ?? "module";
  const output = join(cacheRoot(), "go", `${name}-${key.slice(0, 12)}`);
  if (existsSync(join(output, ".complete"))) return output;
  await rm(output, { recursive: true, force: true });
  await mkdir(output, { recursive: true });
  // Binaries that share their flags and are named after their package build in one go command, so
  // the compiler works on both cores across all of them (the six Kubernetes commands share most
  // packages); the others one by one.
  const groups = new Map<string, GoBinary[]>();
  for (const binary of build.binaries) {
    const key =
      binary.goPackage.endsWith(`/${binary.name}`) && !binary.cgo
        ? binary.ldflags.join(" ")
        : `${binary.name}\n`;
    groups.set(key, [...(groups.get(key) ?? []), binary]);
  }
  for (const group of groups.values()) {
    const started = Date.now();
    const names = group.map((binary) => binary.name).join(", ");
    log(`building ${names} with ${goVersion}`);
    const target = group.length === 1 ? join(output, group[0]?.name ?? "") : `${output}/`;
    await run(
      "go",
      [
        "build",
        "-ldflags",
        ["-s", "-w", ...(group[0]?.ldflags ?? [])].join(" "),
        "-o",
        target,
        ...group.map((binary) => binary.goPackage),
      ],
      { cwd: build.moduleDir, env: goEnv(group[0]?.cgo), timeoutMs: 90 * 60_000 },
    );
    log(`built ${names} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  await writeFile(join(output, ".complete"), `${new Date().toISOString()}\n`);
  return output;
}

/** registry.k8s.io/<name> for the images the generated manifests name by default. */
function officialImage(nameAndTag: string): string {
  return `registry.k8s.io/${nameAndTag}`;
}

const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Builds (once) the binaries and images of a Kubernetes release and returns their two folders: the
 * layout `kubescratch rehearse --binaries DIR --images DIR` reads.
 */
export async function buildAssets(
  kubernetesVersion: string,
  log: Log = () => undefined,
): Promise<AssetFolders> {
  const resolved = resolveKubernetesVersion(kubernetesVersion);
  if (!resolved) throw new Error(`unknown Kubernetes version ${kubernetesVersion}`);
  // The seed's era predates Go modules: built in GOPATH mode from the module zips (legacy-assets.ts).
  if (resolved.era === "legacy") return buildLegacyAssets(resolved.full, log);
  const profile = versionProfile(resolved);
  const images = profile.images;
  if (!("apiserver" in images)) throw new Error(`unreachable: ${resolved.full} has no current image table`);
  const etcdVersion = images.etcd.replace(/^etcd:/, "").replace(/-\d+$/, "");
  const pauseTag = images.pause.replace(/^pause:/, "");
  const corednsTag = (images.dns[0] ?? "").replace(/^coredns\/coredns:/, "");

  const folders = {
    kubernetes: await buildModule(await kubernetesBuild(resolved.full), log),
    etcd: await buildModule(await etcdBuild(etcdVersion), log),
    coredns: await buildModule(await corednsBuild(corednsTag), log),
    crictl: await buildModule(crictlBuild(), log),
    pause: await buildModule(pauseBuild(pauseTag), log),
    flannel: await buildModule(flannelBuild(), log),
    flannelCni: await buildModule(flannelCniBuild(), log),
  };
  const imageStandIns = await debianPackageFiles(log);
  const key = sha256Of(RECIPE, JSON.stringify(folders), JSON.stringify(imageStandIns.key)).slice(0, 12);
  const root = join(cacheRoot(), "assets", `v${resolved.full}-${key}`);
  const binaries = join(root, "bin");
  const imageDir = join(root, "images");
  if (existsSync(join(root, ".complete"))) return { version: resolved.full, binaries, images: imageDir };

  await rm(root, { recursive: true, force: true });
  await mkdir(binaries, { recursive: true });
  await mkdir(imageDir, { recursive: true });
  const binaryPaths: Record<string, string> = {
    "kube-apiserver": join(folders.kubernetes, "kube-apiserver"),
    "kube-controller-manager": join(folders.kubernetes, "kube-controller-manager"),
    "kube-scheduler": join(folders.kubernetes, "kube-scheduler"),
    kubelet: join(folders.kubernetes, "kubelet"),
    "kube-proxy": join(folders.kubernetes, "kube-proxy"),
    kubectl: join(folders.kubernetes, "kubectl"),
    etcd: join(folders.etcd, "etcd"),
    etcdctl: join(folders.etcd, "etcdctl"),
    coredns: join(folders.coredns, "coredns"),
    crictl: join(folders.crictl, "crictl"),
    pause: join(folders.pause, "pause"),
  };
  for (const [name, path] of Object.entries(binaryPaths)) await copyFile(path, join(binaries, name));

  const local = (name: string): ImageSpec["files"][number] => ({
    path: `usr/local/bin/${name}`,
    source: binaryPaths[name] ?? "",
    mode: 0o755,
  });
  const imageSpecs: ImageSpec[] = [
    ...(["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const).map((name) => ({
      name: officialImage(`${name}:v${resolved.full}`),
      files: [local(name)],
      env: [PATH_ENV],
      description: `built from the Go module k8s.io/kubernetes v${resolved.full}`,
    })),
    {
      name: officialImage(images.etcd),
      files: [local("etcd"), local("etcdctl")],
      env: [PATH_ENV],
      description: `built from the Go module go.etcd.io/etcd/server/v3 v${etcdVersion}`,
    },
    {
      name: officialImage(images.pause),
      files: [{ path: "pause", source: binaryPaths.pause ?? "", mode: 0o755 }],
      entrypoint: ["/pause"],
      description: "stand-in: kubescratch's pause program (packages/rehearse/go/tools/pause)",
    },
    {
      name: officialImage(`coredns/coredns:${corednsTag}`),
      files: [{ path: "coredns", source: binaryPaths.coredns ?? "", mode: 0o755 }],
      entrypoint: ["/coredns"],
      description: `built from the Go module github.com/coredns/coredns ${corednsTag}`,
    },
    {
      name: FLANNEL_IMAGE,
      files: [
        { path: "opt/bin/flanneld", source: join(folders.flannel, "flanneld"), mode: 0o755 },
        ...imageStandIns.busybox.files,
        ...imageStandIns.iptables.files,
        { path: "run/flannel", mode: 0o755 },
      ],
      env: [PATH_ENV],
      entrypoint: ["/opt/bin/flanneld"],
      description: `stand-in: flanneld built from the Go module github.com/flannel-io/flannel ${FLANNEL_RELEASE} (the tag the addon names is not served here), with ${imageStandIns.iptables.description} and ${imageStandIns.busybox.description}`,
    },
    {
      name: FLANNEL_CNI_PLUGIN_IMAGE,
      files: [
        { path: "flannel", source: join(folders.flannelCni, "flannel"), mode: 0o755 },
        ...imageStandIns.busybox.files,
      ],
      env: [PATH_ENV],
      description: `stand-in: the flannel CNI plugin of the Go module github.com/containernetworking/plugins ${FLANNEL_CNI_PLUGINS} (flannel-io/cni-plugin is not served here; ${CNI_UP_TO_0_4}), with ${imageStandIns.busybox.description}`,
    },
    ...imageStandIns.images,
  ];
  for (const image of imageSpecs) {
    const fileName = `${image.name.replace(/^[^/]+\//, "").replace(/[/:]/g, "_")}.tar`;
    log(`image ${image.name}`);
    await writeImageArchive(image, join(imageDir, fileName));
  }
  await writeFile(join(root, ".complete"), `${new Date().toISOString()}\n`);
  return { version: resolved.full, binaries, images: imageDir };
}
