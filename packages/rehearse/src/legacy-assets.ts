// The guide's own era (Kubernetes 1.2), built from source: its releases predate Go modules, so
// ../legacy/build-legacy.sh builds them from the module proxy's zips in GOPATH mode with the era's
// vendored Godeps (findings and patches: ../legacy/README.md). This file drives that script and
// makes the images the 1.2 bundles name, `docker load`-able, without a registry.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "./cache.js";
import { debianPackageFiles } from "./debian.js";
import { run } from "./exec.js";
import { normalizeImageName, writeImageArchive, type ImageSpec } from "./images.js";

type Log = (line: string) => void;

const LEGACY_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "legacy");

/** Bumped when this file changes how the binaries or images are made. */
const LEGACY_RECIPE = "1";

/** The Kubernetes releases of the seed's era the script builds. */
export const LEGACY_BUILDABLE = ["1.2.7"] as const;

/** The etcd the module proxy serves nearest to the 2.2.1 the 1.2 bundles name (2.2.1 answers 403). */
const ETCD_BUILT = "v2.2.0";

const GCR = "gcr.io/google_containers";

/** The binaries a 1.2 node gets (the release's server/bin), as `kubescratch rehearse` reads them. */
export const LEGACY_NODE_BINARIES = ["kubelet", "kube-proxy", "kubectl"] as const;

async function sha256OfFiles(paths: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) hash.update(path).update(await readFile(path));
  return hash.digest("hex");
}

/** Every file under `folder` (relative paths, sorted). */
async function filesUnder(folder: string): Promise<string[]> {
  const listing = await run("find", [folder, "-type", "f"]);
  return listing.stdout.split("\n").filter(Boolean).sort();
}

export interface LegacyAssetFolders {
  readonly version: string;
  readonly binaries: string;
  readonly images: string;
}

/**
 * Builds (once) Kubernetes `version` of the seed's era with build-legacy.sh and the images its
 * bundles name; returns the `--binaries DIR --images DIR` folders.
 */
export async function buildLegacyAssets(version: string, log: Log): Promise<LegacyAssetFolders> {
  if (!(LEGACY_BUILDABLE as readonly string[]).includes(version))
    throw new Error(
      `Kubernetes ${version} is of the seed's era; the rehearsal builds ${LEGACY_BUILDABLE.join(", ")} of it (packages/rehearse/legacy/build-legacy.sh)`,
    );
  const buildCache = join(cacheRoot(), "legacy");
  const started = Date.now();
  log(
    `building Kubernetes v${version} in GOPATH mode (packages/rehearse/legacy/build-legacy.sh ${buildCache})`,
  );
  const built = await run("bash", [join(LEGACY_DIR, "build-legacy.sh"), buildCache], {
    timeoutMs: 90 * 60_000,
  });
  for (const line of built.stdout.split("\n")) if (/ built | skip /.test(line)) log(line.trim());
  log(`build-legacy.sh done in ${Math.round((Date.now() - started) / 1000)} s`);
  const bin = join(buildCache, "bin");
  const kubernetes = join(bin, `kubernetes-v${version}`);
  const paths = {
    hyperkube: join(kubernetes, "hyperkube"),
    kubelet: join(kubernetes, "kubelet"),
    "kube-proxy": join(kubernetes, "kube-proxy"),
    kubectl: join(kubernetes, "kubectl"),
    kube2sky: join(kubernetes, "kube2sky"),
    etcd: join(bin, `etcd-${ETCD_BUILT}`, "etcd"),
    etcdctl: join(bin, `etcd-${ETCD_BUILT}`, "etcdctl"),
    pause: join(bin, "pause"),
    skydns: join(bin, "stand-ins", "skydns"),
    exechealthz: join(bin, "stand-ins", "exechealthz"),
  };
  for (const path of Object.values(paths))
    if (!existsSync(path)) throw new Error(`build-legacy.sh left no ${path}`);

  const standIns = await debianPackageFiles(log);
  const key = createHash("sha256")
    .update(LEGACY_RECIPE)
    .update(await sha256OfFiles(Object.values(paths)))
    .update(await sha256OfFiles(await filesUnder(join(LEGACY_DIR, "stand-ins"))))
    .update(JSON.stringify(standIns.key))
    .digest("hex")
    .slice(0, 12);
  const root = join(cacheRoot(), "assets", `v${version}-${key}`);
  const binaries = join(root, "bin");
  const images = join(root, "images");
  if (existsSync(join(root, ".complete"))) return { version, binaries, images };
  await rm(root, { recursive: true, force: true });
  await mkdir(binaries, { recursive: true });
  await mkdir(images, { recursive: true });
  for (const [name, path] of Object.entries(paths)) await copyFile(path, join(binaries, name));

  const from = `Go module zip k8s.io/kubernetes v${version}, GOPATH mode with its Godeps, Go 1.19 (packages/rehearse/legacy)`;
  const etcdStandIn = `stand-in: etcd ${ETCD_BUILT} built from the Go module zip github.com/coreos/etcd ${ETCD_BUILT}+incompatible (2.2.1 is not served here)`;
  const etcdFiles = [
    { path: "usr/local/bin/etcd", source: paths.etcd, mode: 0o755 },
    { path: "usr/local/bin/etcdctl", source: paths.etcdctl, mode: 0o755 },
  ];
  const specs: ImageSpec[] = [
    {
      name: `${GCR}/hyperkube:v${version}`,
      files: [{ path: "hyperkube", source: paths.hyperkube, mode: 0o755 }, ...standIns.libc.files],
      description: `hyperkube built from the ${from}, with ${standIns.libc.description} (it links with cgo)`,
    },
    { name: `${GCR}/etcd:2.2.1`, files: etcdFiles, description: etcdStandIn },
    { name: `${GCR}/etcd-amd64:2.2.1`, files: etcdFiles, description: etcdStandIn },
    {
      name: `${GCR}/pause:2.0`,
      files: [{ path: "pause", source: paths.pause, mode: 0o755 }],
      entrypoint: ["/pause"],
      description: `build/pause/pause.go of the ${from}`,
    },
    {
      name: `${GCR}/kube2sky:1.14`,
      files: [{ path: "kube2sky", source: paths.kube2sky, mode: 0o755 }, ...standIns.libc.files],
      entrypoint: ["/kube2sky"],
      description: `cluster/addons/dns/kube2sky of the ${from} (v${version}'s own kube2sky, which 1.14 was cut from), with ${standIns.libc.description}`,
    },
    {
      name: `${GCR}/skydns:2015-10-13-8c72f8c`,
      files: [{ path: "skydns", source: paths.skydns, mode: 0o755 }],
      entrypoint: ["/skydns"],
      description:
        "stand-in: packages/rehearse/legacy/stand-ins/skydns (A records from kube2sky's etcd keys; github.com/skynetservices/skydns is not served here)",
    },
    {
      name: `${GCR}/exechealthz:1.0`,
      files: [{ path: "exechealthz", source: paths.exechealthz, mode: 0o755 }, ...standIns.busybox.files],
      entrypoint: ["/exechealthz"],
      description: `stand-in: packages/rehearse/legacy/stand-ins/exechealthz (k8s.io/contrib is not served here), with ${standIns.busybox.description}`,
    },
    ...standIns.images,
  ];
  for (const image of specs) {
    const fileName = `${normalizeImageName(image.name)
      .replace(/^[^/]+\//, "")
      .replace(/[/:]/g, "_")}.tar`;
    log(`image ${image.name}`);
    await writeImageArchive(image, join(images, fileName));
  }
  await writeFile(join(root, ".complete"), `${new Date().toISOString()}\n`);
  return { version, binaries, images };
}
