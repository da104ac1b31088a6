// Stand-ins for the two Docker Hub images validate-cluster.sh runs (nginx and busybox): built from
// Debian's own packages, which are real nginx and busybox, under the names the generated files use;
// and the Debian parts of flannel's images (busybox's cp, iptables).
// The report says which package version stands in for which tag.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CHECK_IMAGES } from "@kubescratch/core";
import { cacheRoot } from "./cache.js";
import { debianMirror } from "./mirror.js";
import { run } from "./exec.js";
import { normalizeImageName, type ImageFile, type ImageSpec } from "./images.js";

const NGINX_PACKAGES = ["nginx", "nginx-common", "libc6", "libcrypt1", "libpcre2-8-0", "libssl3", "zlib1g"];
/** What flanneld runs (iptables and iptables-restore, nf_tables flavour as on the nodes) and links against. */
const IPTABLES_PACKAGES = [
  "iptables",
  "libc6",
  "libxtables12",
  "libip4tc2",
  "libip6tc2",
  "libnftnl11",
  "libmnl0",
  "libnetfilter-conntrack3",
  "libnfnetlink0",
];
/** The names Debian's alternatives point at xtables-nft-multi (the nodes' own choice in bookworm). */
const IPTABLES_COMMANDS = [
  "iptables",
  "iptables-save",
  "iptables-restore",
  "ip6tables",
  "ip6tables-save",
  "ip6tables-restore",
];
/**
 * busybox comes from Debian 13: bookworm's busybox 1.35 crashes (SIGSEGV) on `wget -T`, which
 * validate-cluster.sh's probe runs (measured here); trixie's 1.37 does not.
 */
const BUSYBOX_SUITE = "trixie";
const BUSYBOX_PACKAGE = "busybox-static";

export interface StandIns {
  /** The package files used: a change rebuilds the images. */
  readonly key: readonly string[];
  readonly images: readonly ImageSpec[];
  /** busybox and its applets (cp, sh, ...), for images that need a few commands. */
  readonly busybox: { readonly files: readonly ImageFile[]; readonly description: string };
  /** Debian's iptables (nf_tables) with the C library, for flanneld's image. */
  readonly iptables: { readonly files: readonly ImageFile[]; readonly description: string };
  /** Debian's C library alone, for images of binaries linked with cgo (Kubernetes 1.2's hyperkube). */
  readonly libc: { readonly files: readonly ImageFile[]; readonly description: string };
}

async function download(
  packages: readonly string[],
  folder: string,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const have = await readdir(folder);
  const missing = packages.filter((name) => !have.some((file) => file.startsWith(`${name}_`)));
  if (missing.length === 0) return;
  log(`apt-get download ${missing.join(" ")}`);
  await run("apt-get", ["download", ...missing], { cwd: folder, timeoutMs: 300_000 });
}

/**
 * Downloads one package of another Debian suite from the same mirror, checked against the SHA-256
 * that suite's package index gives.
 */
async function downloadFromSuite(
  suite: string,
  name: string,
  folder: string,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  if ((await readdir(folder)).some((file) => file.startsWith(`${name}_`))) return;
  const mirror = await debianMirror();
  const index = join(folder, `${suite}-Packages.xz`);
  log(`${mirror}/dists/${suite}/main/binary-amd64/Packages.xz`);
  await run("curl", [
    "-fsSL",
    "--max-time",
    "300",
    "-o",
    index,
    `${mirror}/dists/${suite}/main/binary-amd64/Packages.xz`,
  ]);
  const packages = (await run("xz", ["-dc", index])).stdout;
  await rm(index);
  const stanza = packages.split("\n\n").find((entry) => entry.startsWith(`Package: ${name}\n`));
  const filename = stanza && /^Filename: (\S+)$/m.exec(stanza)?.[1];
  const sha256 = stanza && /^SHA256: ([0-9a-f]{64})$/m.exec(stanza)?.[1];
  if (!filename || !sha256) throw new Error(`${name} is not in Debian ${suite}'s package index`);
  const target = join(folder, filename.split("/").pop() ?? `${name}.deb`);
  log(`${mirror}/${filename}`);
  await run("curl", ["-fsSL", "--max-time", "300", "-o", `${target}.partial`, `${mirror}/${filename}`]);
  const sum = (await run("sha256sum", [`${target}.partial`])).stdout.split(" ")[0];
  if (sum !== sha256) {
    await rm(`${target}.partial`);
    throw new Error(`${filename}: sha256 ${sum ?? "?"} is not the index's ${sha256}`);
  }
  await rename(`${target}.partial`, target);
}

async function extractAll(
  folder: string,
  names: readonly string[],
  into: string,
): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  const files = await readdir(folder);
  await mkdir(into, { recursive: true });
  for (const name of names) {
    const deb = files.find((file) => file.startsWith(`${name}_`) && file.endsWith(".deb"));
    if (!deb) throw new Error(`${name} was not downloaded into ${folder}`);
    await run("dpkg-deb", ["-x", join(folder, deb), into]);
    versions.set(name, decodeURIComponent(deb.split("_")[1] ?? ""));
  }
  return versions;
}

/** Every file under `root` as an image entry (regular files, links and folders with their modes). */
async function treeFiles(root: string, keep: (path: string) => boolean): Promise<ImageFile[]> {
  const listing = await run("find", [root, "-mindepth", "1", "-printf", "%y %m %P\\t%l\\n"]);
  const files: ImageFile[] = [];
  for (const line of listing.stdout.split("\n")) {
    if (!line) continue;
    const [head = "", linkTarget = ""] = line.split("\t");
    const [type = "", mode = "", ...rest] = head.split(" ");
    const path = rest.join(" ");
    if (!keep(path)) continue;
    if (type === "d") files.push({ path, mode: parseInt(mode, 8) });
    else if (type === "l") files.push({ path, symlinkTo: linkTarget });
    else if (type === "f") files.push({ path, source: join(root, path), mode: parseInt(mode, 8) });
  }
  return files;
}

const NGINX_CONF = `# nginx stand-in of kubescratch rehearse: the default page on port 80, logs to the container's output.
user nobody nogroup;
worker_processes 1;
daemon off;
error_log stderr;
pid /run/nginx.pid;
events {}
http {
  include /etc/nginx/mime.types;
  access_log /dev/stdout;
  server {
    listen 80 default_server;
    # As the nginx image's entrypoint does (10-listen-on-ipv6-by-default.sh): a dual-stack
    # Service's IPv6 ClusterIP reaches the pods on their IPv6 address.
    listen [::]:80 default_server;
    root /usr/share/nginx/html;
    index index.html;
  }
}
`;

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\nnogroup:x:65534:\n";

export async function debianPackageFiles(log: (line: string) => void): Promise<StandIns> {
  const debs = join(cacheRoot(), "debs");
  await download(NGINX_PACKAGES, debs, log);
  await downloadFromSuite(BUSYBOX_SUITE, BUSYBOX_PACKAGE, join(debs, BUSYBOX_SUITE), log);
  const work = join(cacheRoot(), "stand-ins");
  await rm(work, { recursive: true, force: true });
  const nginxRoot = join(work, "nginx");
  const busyboxRoot = join(work, "busybox");
  const nginxVersions = await extractAll(debs, NGINX_PACKAGES, nginxRoot);
  await download(IPTABLES_PACKAGES, debs, log);
  const iptablesRoot = join(work, "iptables");
  const iptablesVersions = await extractAll(debs, IPTABLES_PACKAGES, iptablesRoot);
  const iptablesFiles: ImageFile[] = [
    ...(await treeFiles(
      iptablesRoot,
      (path) =>
        !path.startsWith("usr/share") &&
        !path.startsWith("etc/") &&
        !path.includes("legacy") &&
        !path.includes("ebtables") &&
        !path.includes("arptables"),
    )),
    ...IPTABLES_COMMANDS.map((name) => ({ path: `usr/sbin/${name}`, symlinkTo: "xtables-nft-multi" })),
  ];
  const busyboxVersions = await extractAll(join(debs, BUSYBOX_SUITE), [BUSYBOX_PACKAGE], busyboxRoot);
  const libcRoot = join(work, "libc");
  const libcVersions = await extractAll(debs, ["libc6"], libcRoot);
  const libcFiles = await treeFiles(libcRoot, (path) => !path.startsWith("usr/share"));

  const nginxFiles = await treeFiles(
    nginxRoot,
    (path) =>
      !path.startsWith("usr/share/doc") &&
      !path.startsWith("usr/share/man") &&
      !path.startsWith("usr/share/lintian") &&
      !path.startsWith("usr/share/locale") &&
      !path.startsWith("etc/nginx/nginx.conf") &&
      !path.startsWith("usr/share/nginx/html"),
  );
  const indexPage = existsSync(join(nginxRoot, "usr/share/nginx/html/index.html"))
    ? join(nginxRoot, "usr/share/nginx/html/index.html")
    : undefined;
  const nginxName = normalizeImageName(CHECK_IMAGES.web);
  const busyboxName = normalizeImageName(CHECK_IMAGES.probe);
  const nginx: ImageSpec = {
    name: nginxName,
    files: [
      ...nginxFiles,
      { path: "etc/nginx/nginx.conf", content: NGINX_CONF },
      indexPage
        ? { path: "usr/share/nginx/html/index.html", source: indexPage }
        : { path: "usr/share/nginx/html/index.html", content: "<h1>nginx</h1>\n" },
      { path: "etc/passwd", content: PASSWD },
      { path: "etc/group", content: GROUP },
      { path: "run", mode: 0o755 },
      { path: "tmp", mode: 0o1777 },
      { path: "var/lib/nginx", mode: 0o755 },
      { path: "var/log/nginx", mode: 0o755 },
    ],
    entrypoint: ["/usr/sbin/nginx"],
    description: `stand-in: Debian bookworm nginx ${nginxVersions.get("nginx") ?? "?"}`,
  };

  const busyboxBinary = existsSync(join(busyboxRoot, "usr/bin/busybox"))
    ? join(busyboxRoot, "usr/bin/busybox")
    : join(busyboxRoot, "bin/busybox");
  const applets = (await run(busyboxBinary, ["--list-full"])).stdout.split("\n").filter(Boolean);
  const busyboxFiles: ImageFile[] = [
    { path: "bin/busybox", source: busyboxBinary, mode: 0o755 },
    ...applets
      .filter((applet) => applet !== "bin/busybox")
      .map((applet) => ({ path: applet, symlinkTo: "/bin/busybox" })),
  ];
  const busyboxDescription = `Debian ${BUSYBOX_SUITE} busybox-static ${busyboxVersions.get(BUSYBOX_PACKAGE) ?? "?"}`;
  const busybox: ImageSpec = {
    name: busyboxName,
    files: [
      ...busyboxFiles,
      { path: "etc/passwd", content: PASSWD },
      { path: "etc/group", content: GROUP },
      { path: "tmp", mode: 0o1777 },
    ],
    cmd: ["sh"],
    description: `stand-in: ${busyboxDescription}`,
  };
  const key = [
    ...[...nginxVersions, ...busyboxVersions, ...iptablesVersions].map(
      ([name, version]) => `${name}=${version}`,
    ),
    // The configuration is part of the image: a change must build new image archives.
    `nginx.conf=${createHash("sha256").update(NGINX_CONF).digest("hex").slice(0, 12)}`,
  ];
  return {
    key,
    images: [nginx, busybox],
    busybox: { files: busyboxFiles, description: busyboxDescription },
    iptables: {
      files: iptablesFiles,
      description: `Debian bookworm iptables ${iptablesVersions.get("iptables") ?? "?"} (nf_tables)`,
    },
    libc: { files: libcFiles, description: `Debian bookworm libc6 ${libcVersions.get("libc6") ?? "?"}` },
  };
}
