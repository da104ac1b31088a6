import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { archiveImageNames, insideCidr, normalizeImageName, writeImageArchive } from "@kubescratch/rehearse";

describe("image names", () => {
  it.each([
    ["busybox:1.28", "docker.io/library/busybox:1.28"],
    ["nginx", "docker.io/library/nginx:latest"],
    ["flannel/flannel:v0.26.1", "docker.io/flannel/flannel:v0.26.1"],
    ["registry.k8s.io/pause:3.10.1", "registry.k8s.io/pause:3.10.1"],
    ["registry.k8s.io/coredns/coredns:v1.12.1", "registry.k8s.io/coredns/coredns:v1.12.1"],
    ["registry.local:5000/etcd:3.6.4-0", "registry.local:5000/etcd:3.6.4-0"],
    ["localhost/app", "localhost/app:latest"],
  ])("%s is %s to containerd's CRI", (reference, normalized) => {
    expect(normalizeImageName(reference)).toBe(normalized);
  });
});

describe("pod ranges", () => {
  it("tells an address inside a CIDR from one outside", () => {
    expect(insideCidr("10.200.1.7", "10.200.1.0/24")).toBe(true);
    expect(insideCidr("10.200.2.7", "10.200.1.0/24")).toBe(false);
    expect(insideCidr("198.19.0.130", "198.19.0.128/25")).toBe(true);
    expect(insideCidr("198.19.0.127", "198.19.0.128/25")).toBe(false);
  });
});

describe("image archives", () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "kubescratch-image-test-"));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("writes an OCI layout that names the image, with the files, modes and links of its one layer", async () => {
    const source = join(folder, "hello");
    writeFileSync(source, "#!/bin/sh\necho hello\n");
    const archive = join(folder, "hello.tar");
    await writeImageArchive(
      {
        name: "registry.example/hello:v1",
        files: [
          { path: "usr/local/bin/hello", source, mode: 0o755 },
          { path: "bin/hi", symlinkTo: "/usr/local/bin/hello" },
          { path: "etc/motd", content: "hi\n" },
          { path: "tmp", mode: 0o1777 },
        ],
        entrypoint: ["/usr/local/bin/hello"],
      },
      archive,
    );
    expect(await archiveImageNames(archive)).toEqual(["registry.example/hello:v1"]);
    const layout = join(folder, "layout");
    execFileSync("mkdir", ["-p", layout]);
    execFileSync("tar", ["-xf", archive, "-C", layout]);
    const index = JSON.parse(execFileSync("cat", [join(layout, "index.json")]).toString()) as {
      manifests: { digest: string }[];
    };
    const manifestDigest = (index.manifests[0]?.digest ?? "").slice(7);
    const manifest = JSON.parse(
      execFileSync("cat", [join(layout, "blobs/sha256", manifestDigest)]).toString(),
    ) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    // Every blob is named by its own sha256, as registries and containerd check.
    for (const digest of [
      manifestDigest,
      manifest.config.digest.slice(7),
      (manifest.layers[0]?.digest ?? "").slice(7),
    ]) {
      const sum = execFileSync("sha256sum", [join(layout, "blobs/sha256", digest)])
        .toString()
        .split(" ")[0];
      expect(sum).toBe(digest);
    }
    const listing = execFileSync("tar", [
      "-tvf",
      join(layout, "blobs/sha256", (manifest.layers[0]?.digest ?? "").slice(7)),
    ])
      .toString()
      .split("\n");
    expect(listing.find((line) => line.endsWith("./usr/local/bin/hello"))).toMatch(/^-rwxr-xr-x 0\/0/);
    expect(listing.find((line) => line.includes("./bin/hi"))).toMatch(/^l.* -> \/usr\/local\/bin\/hello$/);
    expect(listing.find((line) => line.endsWith("./tmp/"))).toMatch(/^drwxrwxrwt/);
    const config = JSON.parse(
      execFileSync("cat", [join(layout, "blobs/sha256", manifest.config.digest.slice(7))]).toString(),
    ) as {
      config: { Entrypoint: string[] };
      rootfs: { diff_ids: string[] };
    };
    expect(config.config.Entrypoint).toEqual(["/usr/local/bin/hello"]);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0]?.digest]);
  });

  it("is the same bytes when written twice", async () => {
    const spec = { name: "registry.example/same:v1", files: [{ path: "etc/a", content: "a\n" }] };
    await writeImageArchive(spec, join(folder, "one.tar"));
    await writeImageArchive(spec, join(folder, "two.tar"));
    expect(
      execFileSync("sha256sum", [join(folder, "one.tar")])
        .toString()
        .split(" ")[0],
    ).toBe(
      execFileSync("sha256sum", [join(folder, "two.tar")])
        .toString()
        .split(" ")[0],
    );
  });
});
