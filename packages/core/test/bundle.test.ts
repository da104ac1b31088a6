// The bundles as an operator meets them: GNU tar unpacks them, sha256sum checks them, install.sh
// installs them (into a scratch root) twice without changing anything the second time.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load, loadAll } from "js-yaml";
import zlib from "node:zlib";
import { ungzip } from "pako";
import {
  bundleCluster,
  cloudInit,
  crc32Combine,
  deflatePart,
  gzipFromParts,
  packNode,
  pakoDeflater,
  generateCluster,
  parseSpec,
  type Bundle,
  type ClusterSpecInput,
  type GeneratedCluster,
  type ManifestEntry,
} from "../src/index.js";
import { bundleClusterNative, nodeBundleOptions, nodeDeflater, nodeKeyCapability } from "../node/index.js";
import { utf8Encode } from "../src/bytes.js";
import { fixtureFiles } from "./helpers.js";
import { FIXED_NOW, fixtureSpec, premadeKeys, seededRandom } from "./pki-helpers.js";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-bundle-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function sh(command: string, args: readonly string[], cwd?: string) {
  const result = spawnSync(command, args, { encoding: "utf8", cwd, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function generate(spec: ClusterSpecInput | string, previous?: GeneratedCluster): Promise<GeneratedCluster> {
  return generateCluster(spec, {
    now: FIXED_NOW,
    random: seededRandom("bundle-test"),
    keys: premadeKeys(),
    ...(previous ? { previousState: previous.state } : {}),
  });
}

function unpack(bundle: Bundle, name: string): string {
  const archive = join(scratch, `${name}.tar.gz`);
  const directory = join(scratch, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(archive, bundle.bytes);
  const result = sh("tar", ["-xzf", archive, "-C", directory]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return directory;
}

/** path, mode and content of every file under `root`, as `find` and `stat` see them. */
function tree(root: string): string {
  return sh("bash", [
    "-c",
    `cd "${root}" && find . -type f -printf '%P %m\\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum`,
  ]).stdout;
}

describe("node bundles, for every fixture", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: GNU tar unpacks them, SHA256SUMS checks, install.sh --root installs twice to the same tree`, async () => {
      const { spec } = fixtureSpec(name);
      const cluster = await generate(spec);
      const bundles = bundleCluster(cluster);
      expect(bundles.nodes.map((bundle) => bundle.fileName)).toEqual(
        cluster.plan.nodes.map((node) => `${node.name}.tar.gz`),
      );
      for (const [index, bundle] of bundles.nodes.entries()) {
        const node = cluster.nodes[index];
        const label = `${name}-${node?.name ?? ""}`;
        const directory = unpack(bundle, label);
        // Entries: root-owned, one fixed time, sorted (the files the same on every node last, so
        // their compressed bytes are too), each with its artifact's mode.
        const listing = sh("tar", [
          "--numeric-owner",
          "--full-time",
          "-tvzf",
          join(scratch, `${label}.tar.gz`),
        ])
          .stdout.trim()
          .split("\n");
        const paths = listing.map((line) => line.split(/\s+/).pop() ?? "");
        const shared = new Set(
          (node?.artifacts ?? [])
            .filter((artifact) => artifact.sameOnEveryNode)
            .map((artifact) => artifact.path.slice(1)),
        );
        const own = paths.filter((path) => !shared.has(path));
        expect(paths).toEqual([...own.sort(), ...[...shared].sort()]);
        for (const line of listing)
          expect(line).toMatch(new RegExp(`^-\\S+ 0/0 .* ${cluster.state.createdAt.slice(0, 10)} `));
        expect(bundle.bytes.subarray(4, 8)).toEqual(new Uint8Array([0, 0, 0, 0]));
        const check = sh("sha256sum", ["-c", "--quiet", "SHA256SUMS"], directory);
        expect(check.stdout + check.stderr).toBe("");
        expect(check.status).toBe(0);
        const manifest = JSON.parse(
          readFileSync(join(directory, "MANIFEST.json"), "utf8"),
        ) as ManifestEntry[];
        expect(manifest.map((entry) => entry.path)).toEqual(node?.artifacts.map((artifact) => artifact.path));
        for (const entry of manifest) {
          expect(`0${sh("stat", ["-c", "%a", join(directory, entry.path)]).stdout.trim()}`).toBe(entry.mode);
          if (entry.secret) expect(entry.mode).toBe("0600");
        }
        // A file already on the node with other content: replaced, and kept as a backup.
        const root = join(scratch, `${label}-root`);
        const planted =
          manifest.find((entry) => entry.path.endsWith(".service"))?.path ?? manifest[0]?.path ?? "";
        mkdirSync(join(root, planted, ".."), { recursive: true });
        writeFileSync(join(root, planted), "the operator's own version\n");
        const install = sh("bash", [join(directory, "install.sh"), "--root", root]);
        expect(install.stderr).toBe("");
        expect(install.status).toBe(0);
        expect(readFileSync(join(root, `${planted}.kubescratch-backup`), "utf8")).toBe(
          "the operator's own version\n",
        );
        const installed = tree(root);
        const again = sh("bash", [join(directory, "install.sh"), "--root", root]);
        expect(again.status).toBe(0);
        expect(again.stdout).toContain(`0 created, 0 changed, 0 fixed, ${manifest.length} unchanged`);
        expect(tree(root)).toBe(installed);
        for (const entry of manifest) {
          expect(sh("stat", ["-c", "%a", join(root, entry.path)]).stdout.trim()).toBe(entry.mode.slice(1));
          expect(readFileSync(join(root, entry.path), "utf8")).toBe(
            readFileSync(join(directory, entry.path), "utf8"),
          );
        }
      }
    });
  }
});

describe("reproducible bundles", () => {
  it("the same state gives byte-identical bundles, for RSA and ECDSA clusters", async () => {
    for (const name of ["seed-https.yaml", "current-ha.yaml"]) {
      const { spec } = fixtureSpec(name);
      const first = await generate(spec);
      const second = await generateCluster(spec, {
        now: new Date(FIXED_NOW.getTime() + 86_400_000),
        random: seededRandom("other"),
        keys: premadeKeys(),
        previousState: first.state,
      });
      expect(second.pki.keysGenerated).toBe(0);
      const a = bundleCluster(first);
      const b = bundleCluster(second);
      expect(b.nodes.map((bundle) => Buffer.from(bundle.bytes).toString("base64"))).toEqual(
        a.nodes.map((bundle) => Buffer.from(bundle.bytes).toString("base64")),
      );
      expect(Buffer.from(b.admin.bytes).equals(Buffer.from(a.admin.bytes))).toBe(true);
    }
  });

  it("utf8Encode gives Node's UTF-8 bytes, a lone surrogate as U+FFFD", () => {
    for (const text of [
      "",
      "ascii\n",
      "naïve – ✓ 𝄞",
      "\ud800",
      "a\udc00b",
      "\ud83d\ude00\ud83d",
      "x".repeat(70_000),
    ])
      expect(Buffer.from(utf8Encode(text)).toString("hex")).toBe(Buffer.from(text, "utf8").toString("hex"));
    expect(Buffer.from(utf8Encode("a\ud800b")).toString("hex")).toBe("61efbfbd62");
  });

  it("bundleClusterNative (gzip on the thread pool) gives the bytes of bundleCluster with nodeBundleOptions", async () => {
    for (const name of ["seed-https.yaml", "current-ha.yaml", "netns-routed.yaml"]) {
      const cluster = await generate(fixtureSpec(name).spec);
      const single = bundleCluster(cluster, nodeBundleOptions);
      const pooled = await bundleClusterNative(cluster);
      expect(pooled.nodes.map((bundle) => bundle.fileName)).toEqual(
        single.nodes.map((bundle) => bundle.fileName),
      );
      expect(pooled.nodes.map((bundle) => bundle.fileCount)).toEqual(
        single.nodes.map((bundle) => bundle.fileCount),
      );
      expect(pooled.nodes.map((bundle) => Buffer.from(bundle.bytes).toString("base64"))).toEqual(
        single.nodes.map((bundle) => Buffer.from(bundle.bytes).toString("base64")),
      );
      expect(pooled.admin.fileName).toBe(single.admin.fileName);
      expect(pooled.admin.fileCount).toBe(single.admin.fileCount);
      expect(Buffer.from(pooled.admin.bytes).equals(Buffer.from(single.admin.bytes))).toBe(true);
    }
  });

  it("adding a node changes its bundle, the admin bundle, and elsewhere only the files that must change", async () => {
    for (const name of ["current-ha.yaml", "seed-https.yaml"]) {
      const { spec } = fixtureSpec(name);
      const first = await generate(spec);
      const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
      const last = input.nodes[input.nodes.length - 1];
      const lastIp = typeof last?.ip === "string" ? last.ip : "";
      const ip = lastIp.replace(/\.(\d+)$/, (_, octet: string) => `.${Number(octet) + 20}`);
      input.nodes.push({ name: "added", ip, roles: ["worker"] });
      const second = await generate(parseSpec(input).spec, first);
      const before = new Map(bundleCluster(first).nodes.map((bundle) => [bundle.fileName, bundle]));
      for (const [index, bundle] of bundleCluster(second).nodes.entries()) {
        const old = before.get(bundle.fileName);
        if (!old) {
          expect(bundle.fileName).toBe("added.tar.gz");
          continue;
        }
        if (Buffer.from(old.bytes).equals(Buffer.from(bundle.bytes))) continue;
        // Only route-carrying files may differ on the nodes that were there before.
        const oldFiles = new Map(
          first.nodes[index]?.artifacts.map((artifact) => [artifact.path, artifact.content]),
        );
        const differing = (second.nodes[index]?.artifacts ?? [])
          .filter((artifact) => oldFiles.get(artifact.path) !== artifact.content)
          .map((artifact) => artifact.path);
        expect({
          node: bundle.fileName,
          differing: differing.filter((path) => !path.startsWith("/etc/kubernetes/network/")),
        }).toEqual({ node: bundle.fileName, differing: [] });
      }
    }
  });
});

describe("install order", () => {
  it("install.sh sets up the network, starts the network unit before the runtime, and runs the hygiene packages only once every unit runs", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const cluster = await generate(spec);
    const directory = unpack(bundleCluster(cluster).nodes[0] as Bundle, "order");
    const install = readFileSync(join(directory, "install.sh"), "utf8");
    const networkScripts = /^NETWORK_SCRIPTS=\(\n([^)]*)\)$/m.exec(install)?.[1] ?? "";
    expect(networkScripts.trim()).toBe("/etc/kubernetes/network/setup.sh");
    expect(install).toMatch(/^HYGIENE_SCRIPT=\/etc\/kubernetes\/hygiene\/install-packages\.sh$/m);
    // The hygiene script runs after the units settled, and a failure of it is a note, not an exit.
    const body = install.slice(install.indexOf("start_services() {"));
    const settled = body.indexOf('settle_units "${restarts[@]}"');
    const hygiene = body.indexOf('if ! "$HYGIENE_SCRIPT"; then');
    expect(settled).toBeGreaterThan(0);
    expect(hygiene).toBeGreaterThan(settled);
    expect(body.slice(hygiene, body.indexOf("fi", hygiene))).not.toContain("exit");
    const units = /^UNITS=\(\n([^)]*)\)$/m.exec(install)?.[1]?.trim().split(/\s+/);
    expect(units?.slice(0, 3)).toEqual([
      "kubescratch-network.service",
      "containerd.service",
      "kubelet.service",
    ]);
  });

  it("cloud-init runs the hygiene script after enabling every unit", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const cluster = await generate(spec);
    const node = cluster.nodes[0];
    if (!node) throw new Error("no node");
    const runcmd = (load(cloudInit(cluster, node)) as { runcmd: string[][] }).runcmd;
    const last = runcmd[runcmd.length - 1];
    expect(last).toEqual(["/etc/kubernetes/hygiene/install-packages.sh"]);
    expect(runcmd[0]).toEqual(["mkdir", "-p", "/etc/kubernetes/manifests"]);
    // The kubelet's resolv.conf is linked as install.sh links it, before any service starts.
    expect(runcmd[1]?.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(runcmd[1]?.[2]).toContain("ln -sfn /run/systemd/resolve/resolv.conf /etc/kubernetes/resolv.conf");
    expect(runcmd[2]).toEqual(["/etc/kubernetes/network/setup.sh"]);
  });
});

describe("cloud-init (S23)", () => {
  it("is #cloud-config YAML that carries every file of the bundle with its mode", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const cluster = await generate(spec);
    for (const node of cluster.nodes) {
      const text = cloudInit(cluster, node);
      expect(text.startsWith("#cloud-config\n")).toBe(true);
      const document = load(text) as {
        write_files: { path: string; permissions: string; content: string; encoding: string }[];
        runcmd: string[][];
      };
      expect(document.write_files.map((file) => file.path)).toEqual(
        node.artifacts.map((artifact) => artifact.path),
      );
      for (const [index, file] of document.write_files.entries()) {
        const artifact = node.artifacts[index];
        expect(Buffer.from(file.content, "base64").toString("utf8")).toBe(artifact?.content);
        expect(file.permissions).toBe(`0${((artifact?.mode ?? 0) & 0o7777).toString(8)}`);
      }
      expect(document.runcmd).toContainEqual(["systemctl", "enable", "--now", "kubelet.service"]);
    }
  });
});

describe("compression in parts (a shared file compressed once, spliced into every bundle)", () => {
  const sizes = [0, 1, 511, 512, 4331, 65_535, 65_536, 70_000, 200_000];
  const sample = (size: number, seed: number): Uint8Array => {
    const bytes = new Uint8Array(size);
    // Text-like and repetitive, with some noise: what tar runs of scripts and tables look like.
    for (let i = 0; i < size; i += 1)
      bytes[i] = i % 61 === 0 ? (i * 7919 + seed) & 0xff : 97 + ((i + seed) % 23);
    return bytes;
  };

  it("crc32Combine gives zlib's CRC-32 of the concatenation", () => {
    for (const a of sizes)
      for (const b of sizes) {
        const first = sample(a, 1);
        const second = sample(b, 2);
        expect(crc32Combine(zlib.crc32(first), zlib.crc32(second), b)).toBe(
          zlib.crc32(Buffer.concat([first, second])),
        );
      }
    expect(pakoDeflater.crc32(sample(70_000, 3))).toBe(zlib.crc32(sample(70_000, 3)));
  });

  it("parts from pako and from native zlib splice into one gzip member that gzip -t, zlib and pako read whole", () => {
    for (const deflater of [pakoDeflater, nodeDeflater]) {
      for (const layout of [[0], [70_000], [4331, 0], [200_000, 511, 65_536], [1, 1, 1, 1]]) {
        const runs = layout.map((size, index) => sample(size, index));
        const member = gzipFromParts(
          runs.map((run, index) =>
            deflatePart(run, index === runs.length - 1, deflater, index % 2 === 0 ? 1 : 9),
          ),
        );
        const whole = Buffer.concat(runs);
        expect(Buffer.from(zlib.gunzipSync(member)).equals(whole)).toBe(true);
        expect(Buffer.from(ungzip(member)).equals(whole)).toBe(true);
        const path = join(scratch, "parts.gz");
        writeFileSync(path, member);
        expect(sh("gzip", ["-t", path])).toMatchObject({ status: 0, stderr: "" });
      }
    }
  });

  it("a routed cluster's pod-routes is compressed once: the same bytes inside every node's bundle, which GNU tar reads", async () => {
    // 40 nodes need more keys than the test pool has: native ones (no bytes are compared across runs).
    const cluster = await generateCluster(routedSpec(40), {
      now: FIXED_NOW,
      random: seededRandom("routed"),
      keys: nodeKeyCapability(),
    });
    for (const options of [{}, nodeBundleOptions]) {
      const { nodes } = bundleCluster(cluster, options);
      const packed = cluster.nodes.map((node) => packNode(cluster, node, options));
      const shared = packed.map((bundle) => bundle.parts.find((part) => !(part instanceof Uint8Array)));
      const first = shared[0];
      if (first === undefined || first instanceof Uint8Array) throw new Error("no shared part");
      // One object for all 40 nodes, and its bytes are in every tarball.
      expect(new Set(shared).size).toBe(1);
      for (const bundle of nodes)
        expect(Buffer.from(bundle.bytes).indexOf(first.deflated)).toBeGreaterThan(0);
      const eighth = nodes[7];
      if (eighth === undefined) throw new Error("fewer than 8 bundles");
      const directory = unpack(eighth, `routed-${options === nodeBundleOptions ? "node" : "pako"}`);
      const table = readFileSync(join(directory, "etc/kubernetes/network/pod-routes"), "utf8");
      expect(table.split("\n").filter((line) => /^\d/.test(line))).toHaveLength(40);
      expect(sh("sha256sum", ["-c", "--quiet", "SHA256SUMS"], directory)).toMatchObject({ status: 0 });
    }
    // Both compressors describe the same archive.
    const pako = bundleCluster(cluster).nodes.map((bundle) =>
      zlib.gunzipSync(bundle.bytes).toString("base64"),
    );
    const native = bundleCluster(cluster, nodeBundleOptions).nodes.map((bundle) =>
      zlib.gunzipSync(bundle.bytes).toString("base64"),
    );
    expect(native).toEqual(pako);
  });
});

function routedSpec(nodeCount: number): ClusterSpecInput {
  const { spec } = fixtureSpec("netns-routed.yaml");
  const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
  const template = input.nodes[input.nodes.length - 1];
  if (!template) throw new Error("no node");
  input.security = { ...input.security, keyAlgorithm: "ecdsa-p256" };
  input.nodes = [
    ...input.nodes,
    ...Array.from({ length: nodeCount - input.nodes.length }, (_, index) => ({
      ...template,
      name: `extra-${index + 1}`,
      ip: `198.18.1.${index + 10}`,
    })),
  ];
  return input;
}

describe("validate.sh and the apiserver certificate (found by booting the bundles)", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: each control-plane node's validate.sh asks its apiserver at an address the certificate names`, async () => {
      const { spec } = fixtureSpec(name);
      const cluster = await generate(spec);
      const bundles = bundleCluster(cluster);
      for (const [index, bundle] of bundles.nodes.entries()) {
        const node = cluster.plan.nodes[index];
        if (!node?.roles.includes("control-plane")) continue;
        const directory = unpack(bundle, `${name}-${node.name}-apiserver-url`);
        const url =
          /^APISERVER=(\S+)$/m.exec(readFileSync(join(directory, "validate.sh"), "utf8"))?.[1] ?? "";
        if (url.startsWith("http://")) continue; // the seed's insecure port: no certificate
        const host = new URL(url.replace(/^'|'$/g, "")).hostname.replace(/^\[|\]$/g, "");
        const certificate = join(directory, "etc/kubernetes/pki/apiserver.crt");
        const checked = sh("openssl", ["x509", "-noout", "-in", certificate, "-checkip", host]);
        expect(`${node.name}: ${checked.stdout.trim()}`).toBe(
          `${node.name}: IP ${host} does match certificate`,
        );
      }
    });
  }
});

describe("images.txt lists every image the bundles run (found by booting them without a registry)", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: every image a manifest, an addon or a check names is in admin/images.txt`, async () => {
      const { spec } = fixtureSpec(name);
      const cluster = await generate(spec);
      const bundles = bundleCluster(cluster);
      const admin = unpack(bundles.admin, `${name}-admin-images`);
      const listed = new Set(
        readFileSync(join(admin, "images.txt"), "utf8")
          .split("\n")
          .filter((line) => line && !line.startsWith("#") && !line.includes(" ")),
      );
      const named = new Set<string>();
      const texts = [
        ...cluster.nodes.flatMap((node) => node.artifacts.map((artifact) => artifact.content)),
        ...cluster.admin.artifacts.map((artifact) => artifact.content),
        readFileSync(join(admin, "validate-cluster.sh"), "utf8"),
      ];
      for (const text of texts)
        if (typeof text === "string")
          for (const match of text.matchAll(/^[\s-]*"?image"?:\s*["']?([^"'\s,]+)["']?,?\s*$/gm))
            if (match[1]) named.add(match[1]);
      expect(named.size).toBeGreaterThan(0);
      expect([...named].filter((image) => !listed.has(image))).toEqual([]);
    });
  }
});

describe("flannel gives each node its planned pod range (found by booting current-flannel)", () => {
  it("the controller-manager hands out no ranges and the admin's nodes.yaml names each node's planned one", async () => {
    const { spec } = fixtureSpec("current-flannel.yaml");
    const cluster = await generate(spec);
    const bundles = bundleCluster(cluster);
    const master = cluster.plan.nodes.find((node) => node.roles.includes("control-plane"));
    const index = cluster.plan.nodes.findIndex((node) => node === master);
    const bundle = bundles.nodes[index];
    if (!master || !bundle) throw new Error("current-flannel has no control-plane node");
    const directory = unpack(bundle, "flannel-ranges-master");
    const manifest = readFileSync(
      join(directory, "etc/kubernetes/manifests/kube-controller-manager.yaml"),
      "utf8",
    );
    // The allocator would give ranges in registration order, not the plan's.
    expect(manifest).toContain("--allocate-node-cidrs=false");
    const admin = unpack(bundles.admin, "flannel-ranges-admin");
    const objects = loadAll(readFileSync(join(admin, "nodes.yaml"), "utf8")) as {
      kind: string;
      metadata: { name: string };
      spec: { podCIDR: string; podCIDRs: string[] };
    }[];
    expect(
      objects.map((object) => [object.kind, object.metadata.name, object.spec.podCIDR, object.spec.podCIDRs]),
    ).toEqual(cluster.plan.nodes.map((node) => ["Node", node.name, node.podCIDR, [node.podCIDR]]));
  });

  it("a routed cluster's nodes.yaml names the same ranges its CNI configurations use", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const cluster = await generate(spec);
    const nodes = cluster.admin.artifacts.find((artifact) => artifact.path === "nodes.yaml");
    const objects = loadAll(nodes?.content ?? "") as {
      metadata: { name: string };
      spec: { podCIDR: string };
    }[];
    expect(objects.map((object) => [object.metadata.name, object.spec.podCIDR])).toEqual(
      cluster.plan.nodes.map((node) => [node.name, node.podCIDR]),
    );
  });
});

describe("install.sh preflight lines follow the node's own files and release", () => {
  const preflight = async (spec: ClusterSpecInput, node = 0): Promise<string> => {
    const cluster = await generate(spec);
    const directory = unpack(
      bundleCluster(cluster).nodes[node] as Bundle,
      `preflight-${spec.name}-${spec.kubernetesVersion ?? ""}`,
    );
    const install = readFileSync(join(directory, "install.sh"), "utf8");
    return /^preflight\(\) \{\n([\s\S]*?)^\}$/m.exec(install)?.[1] ?? "";
  };

  it("current releases: swap, the containerd minimum, the CNI plugins; cgroup v2 only from 1.35 (failCgroupV1's default)", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const at134 = await preflight({ ...spec, kubernetesVersion: "1.34" } as ClusterSpecInput);
    expect(at134).toMatch(/^ {2}check_swap_off$/m);
    expect(at134).not.toContain("check_cgroup_v2");
    expect(at134).toMatch(/^ {2}check_version_at_least \/usr\/bin\/containerd 1\.5 /m);
    expect(at134).toMatch(/^ {2}check_cni_plugins \/opt\/cni\/bin bridge host-local loopback$/m);
    expect(at134).toMatch(/^ {2}check_hygiene_packages 1 unattended-upgrades logrotate monit nfs-common$/m);
    const at135 = await preflight({ ...spec, kubernetesVersion: "1.35" } as ClusterSpecInput);
    expect(at135).toMatch(/^ {2}check_cgroup_v2$/m);
  });

  it("flannel's delegates are checked where the spec says the plugins are; the seed's era checks neither swap nor plugins", async () => {
    const { spec } = fixtureSpec("current-flannel.yaml");
    const flannel = await preflight({
      ...spec,
      runtime: { ...spec.runtime, cniBinDir: "/usr/lib/cni" },
      hygiene: { ...spec.hygiene, installPackages: false },
    } as ClusterSpecInput);
    expect(flannel).toMatch(/^ {2}check_cni_plugins \/usr\/lib\/cni bridge host-local loopback portmap$/m);
    expect(flannel).toMatch(/^ {2}check_hygiene_packages 0 /m);
    const legacy = await preflight(fixtureSpec("seed-https.yaml").spec as ClusterSpecInput);
    expect(legacy).not.toMatch(/check_swap_off|check_cgroup_v2|check_cni_plugins/);
  });
});

describe("the seed's era: scripts in what the era's tools have (issue: the guide's era, for real)", () => {
  async function bundles(name: string, change: (input: ClusterSpecInput) => void = () => undefined) {
    const input = load(
      fixtureFiles("specs").find((entry) => entry.name === name)?.text ?? "",
    ) as ClusterSpecInput;
    change(input);
    const cluster = await generate(parseSpec(input).spec);
    const bundled = bundleCluster(cluster);
    const read = (bundle: Bundle | undefined, path: string) =>
      readFileSync(
        join(
          unpack(
            bundle ?? bundled.admin,
            `era-${name}-${(bundle?.fileName ?? "admin").replace(/\.tar\.gz$/, "")}`,
          ),
          path,
        ),
        "utf8",
      );
    return { bundled, read };
  }

  it("firewall-only: validate.sh asks the insecure port where it is bound, kube2sky reads it, the admin runs kubectl on the master", async () => {
    const { bundled, read } = await bundles("seed-firewall.yaml");
    const master = bundled.nodes.find((bundle) => bundle.fileName === "master.tar.gz");
    expect(read(master, "validate.sh")).toContain("APISERVER=http://172.16.0.10:8080");
    expect(read(undefined, "README.md")).toContain(
      "Then, on `master` (the firewall lets only the nodes and the pods",
    );
    expect(read(undefined, "addons/dns.yaml")).toContain("--kube-master-url=http://172.16.0.10:8080");
  });

  it("validate-cluster.sh speaks the 1.2 kubectl (componentstatuses, --namespace); 1.1 gets a ReplicationController", async () => {
    const seed = await bundles("seed-https.yaml");
    const script = seed.read(undefined, "validate-cluster.sh");
    expect(script).toContain("SEED_KUBECTL=1");
    expect(script).toContain("NGINX_CONTROLLER=deployment");
    // The era's kubectl has no -n shorthand (clientcmd's namespace flag has no ShortName in 1.2).
    expect(script).not.toMatch(/kubectl -n /);
    const old = await bundles("seed-https.yaml", (input) => {
      input.kubernetesVersion = "1.1";
    });
    expect(old.read(undefined, "validate-cluster.sh")).toContain("NGINX_CONTROLLER=replicationcontroller");
    const kinds = loadAll(old.read(undefined, "nginx-example.yaml")).map(
      (object) => (object as { kind: string }).kind,
    );
    expect(kinds).toEqual(["Namespace", "ReplicationController", "Service"]);
    const current = await bundles("minimal.yaml");
    expect(current.read(undefined, "validate-cluster.sh")).toContain("SEED_KUBECTL=0");
  });

  it("a kubelet-made cbr0 needs brctl, and every node creates the static pod folder its kubelet watches", async () => {
    const { bundled, read } = await bundles("seed-rkt-gce.yaml");
    const worker = bundled.nodes.find((bundle) => bundle.fileName === "minion-1.tar.gz");
    const install = read(worker, "install.sh");
    expect(install).toMatch(
      /^ {2}check_command brctl '[^']*--configure-cbr0[^']*' '[^']*bridge-utils[^']*'$/m,
    );
    expect(install).toMatch(/^DIRECTORIES=\(\n {2}\/etc\/kubernetes\/manifests\n\)$/m);
    // rkt on 1.1: the kubelet's own minimums (pkg/kubelet/rkt: rkt 0.8.1, systemd 219)
    expect(install).toContain("check_systemd 219");
    expect(install).toMatch(/check_version_at_least \/usr\/bin\/rkt 0\.8\.1 /);
  });
});
