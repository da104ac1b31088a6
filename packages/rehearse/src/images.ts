// OCI image archives without a registry or a container engine: one layer, made with tar, described by
// an OCI index (which `ctr images import` reads, with the image's name in io.containerd.image.name)
// and a docker manifest.json (which `docker load -i` reads, the guide's way, S10).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run } from "./exec.js";

export interface ImageFile {
  /** Path inside the image, without a leading slash. */
  readonly path: string;
  /** A host file to copy in. */
  readonly source?: string;
  /** Or the file's text. */
  readonly content?: string;
  /** Or a symbolic link's target. */
  readonly symlinkTo?: string;
  /** Or a folder (when none of the above is given). */
  readonly mode?: number;
}

export interface ImageSpec {
  /** Full reference, e.g. registry.k8s.io/pause:3.10.1 */
  readonly name: string;
  readonly files: readonly ImageFile[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  /** Where the image's files come from, shown in the rehearsal report. */
  readonly description?: string;
}

const EPOCH = "1970-01-01T00:00:00Z";

function fileSha256(path: string): Promise<string> {
  return new Promise((resolveHash, rejectHash) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", rejectHash)
      .on("end", () => resolveHash(hash.digest("hex")));
  });
}

async function putBlob(blobs: string, content: string): Promise<{ digest: string; size: number }> {
  const hex = createHash("sha256").update(content).digest("hex");
  await writeFile(join(blobs, hex), content);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
}

const DETERMINISTIC_TAR = [
  "--sort=name",
  "--owner=0",
  "--group=0",
  "--numeric-owner",
  "--mtime=@0",
  "--format=gnu",
];

async function stageFiles(root: string, files: readonly ImageFile[]): Promise<void> {
  for (const file of files) {
    const target = join(root, file.path);
    await mkdir(dirname(target), { recursive: true });
    if (file.symlinkTo !== undefined) await symlink(file.symlinkTo, target);
    else if (file.source !== undefined) {
      await copyFile(file.source, target);
      await chmod(target, file.mode ?? 0o644);
    } else if (file.content !== undefined) {
      await writeFile(target, file.content);
      await chmod(target, file.mode ?? 0o644);
    } else {
      await mkdir(target, { recursive: true });
      await chmod(target, file.mode ?? 0o755);
    }
  }
}

/** Writes `image` as an OCI image archive at `archivePath` (written next to it, then renamed). */
export async function writeImageArchive(image: ImageSpec, archivePath: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "kubescratch-image-"));
  try {
    const rootfs = join(work, "rootfs");
    const layout = join(work, "layout");
    const blobs = join(layout, "blobs", "sha256");
    await mkdir(rootfs, { recursive: true });
    await mkdir(blobs, { recursive: true });
    await stageFiles(rootfs, image.files);
    const layerTar = join(work, "layer.tar");
    await run("tar", [...DETERMINISTIC_TAR, "-cf", layerTar, "-C", rootfs, "."]);
    const layerHex = await fileSha256(layerTar);
    const layerSize = (await stat(layerTar)).size;
    await rename(layerTar, join(blobs, layerHex));

    const config = await putBlob(
      blobs,
      JSON.stringify({
        created: EPOCH,
        architecture: "amd64",
        os: "linux",
        config: {
          ...(image.env ? { Env: image.env } : {}),
          ...(image.entrypoint ? { Entrypoint: image.entrypoint } : {}),
          ...(image.cmd ? { Cmd: image.cmd } : {}),
          WorkingDir: "/",
        },
        rootfs: { type: "layers", diff_ids: [`sha256:${layerHex}`] },
        history: [{ created: EPOCH, created_by: "kubescratch rehearse: one layer" }],
      }),
    );
    const manifest = await putBlob(
      blobs,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [
          {
            mediaType: "application/vnd.oci.image.layer.v1.tar",
            digest: `sha256:${layerHex}`,
            size: layerSize,
          },
        ],
      }),
    );
    const tag = image.name.slice(image.name.lastIndexOf(":") + 1);
    await writeFile(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            ...manifest,
            annotations: {
              "io.containerd.image.name": image.name,
              "org.opencontainers.image.ref.name": tag,
              ...(image.description ? { "org.opencontainers.image.description": image.description } : {}),
            },
          },
        ],
      }),
    );
    await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    await writeFile(
      join(layout, "manifest.json"),
      JSON.stringify([
        {
          Config: `blobs/sha256/${config.digest.slice(7)}`,
          RepoTags: [image.name],
          Layers: [`blobs/sha256/${layerHex}`],
        },
      ]),
    );
    await mkdir(dirname(archivePath), { recursive: true });
    const partial = `${archivePath}.partial`;
    await run("tar", [...DETERMINISTIC_TAR, "-cf", partial, "-C", layout, "."]);
    await rename(partial, archivePath);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface ArchivedImage {
  readonly name: string;
  readonly description?: string;
}

/** The images an archive holds, by the names its index.json (OCI) or manifest.json (docker save) gives. */
export async function archiveImages(archivePath: string): Promise<ArchivedImage[]> {
  const read = async (member: string): Promise<string | undefined> => {
    for (const path of [`./${member}`, member]) {
      const result = await run("tar", ["-xOf", archivePath, path], { allowFailure: true });
      if (result.code === 0) return result.stdout;
    }
    return undefined;
  };
  const indexText = await read("index.json");
  const images: ArchivedImage[] = [];
  if (indexText !== undefined) {
    const index = JSON.parse(indexText) as { manifests?: { annotations?: Record<string, string> }[] };
    for (const entry of index.manifests ?? []) {
      const name = entry.annotations?.["io.containerd.image.name"];
      const description = entry.annotations?.["org.opencontainers.image.description"];
      if (name) images.push({ name, ...(description ? { description } : {}) });
    }
  }
  if (images.length > 0) return images;
  const manifestText = await read("manifest.json");
  if (manifestText === undefined) return [];
  const manifest = JSON.parse(manifestText) as { RepoTags?: string[] }[];
  return manifest
    .flatMap((entry) => entry.RepoTags ?? [])
    .map((name) => ({ name: normalizeImageName(name) }));
}

/** The image names an archive holds. */
export async function archiveImageNames(archivePath: string): Promise<string[]> {
  return (await archiveImages(archivePath)).map((image) => image.name);
}

/** How containerd's CRI names an image reference: a missing registry is docker.io, a missing path library/. */
export function normalizeImageName(reference: string): string {
  const firstSlash = reference.indexOf("/");
  const first = firstSlash < 0 ? "" : reference.slice(0, firstSlash);
  const hasRegistry = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost");
  let name = hasRegistry ? reference : `docker.io/${firstSlash < 0 ? `library/${reference}` : reference}`;
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  if (!lastSegment.includes(":") && !lastSegment.includes("@")) name = `${name}:latest`;
  return name;
}
