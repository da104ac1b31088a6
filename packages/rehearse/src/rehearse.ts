// The rehearsal: the generated bundles, unchanged, installed by their own install.sh on sandbox nodes
// (sandbox.ts), with the binaries and images the user brings; then every node's validate.sh, the admin
// bundle's steps and validate-cluster.sh, and the checks a running cluster must pass.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, stat, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nodeFamilies, type ClusterPlan } from "@kubescratch/core";
import { cacheRoot } from "./cache.js";
import { run, waitFor, type RunResult } from "./exec.js";
import { archiveImages, normalizeImageName } from "./images.js";
import { imagesListed, installOrder, lanPrefix, lanPrefix6, scriptChecks, tail } from "./layout.js";
import { checkHost, ensureBaseRoot, ensureLegacyRoot, Lan, SandboxNode } from "./sandbox.js";
import { afterLossChecks, clusterChecks, legacyClusterChecks, webServiceIP, type Kubectl } from "./checks.js";
import {
  adminOverlays,
  legacyNodeOverlays,
  prepareNodeEnvironment,
  sandboxOverlays,
  type Overlay,
} from "./overlays.js";
import { LEGACY_NODE_BINARIES } from "./legacy-assets.js";
import { kubeletSettings, lifetimeUsed, type KubeletSettings } from "./kubelet-checks.js";

type Log = (line: string) => void;

export interface RehearseOptions {
  /** A `kubescratch generate` output folder: plan.json, nodes/<node>.tar.gz, admin.tar.gz. */
  readonly output: string;
  /** kubelet, kube-proxy, kubectl and crictl (the release binaries a node gets). */
  readonly binaries: string;
  /** OCI or docker image archives (.tar) holding every image the bundles name. */
  readonly images: string;
  /** Leave the nodes running (their folder and namespaces are printed). */
  readonly keep?: boolean;
  readonly log?: Log;
  /** After the checks, power this node off and check again: what still works without it. */
  readonly loseNode?: string;
  /** How long nodes and pods may take to become ready (default 300 s). */
  readonly readyTimeoutSeconds?: number;
  /**
   * Every node is a systemd-resolved host, as Ubuntu installs one: resolved runs and /etc/resolv.conf
   * names only its stub, 127.0.0.53.
   */
  readonly systemdResolved?: boolean;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface NodeReport {
  readonly name: string;
  readonly ip: string;
  readonly roles: readonly string[];
  readonly checks: readonly CheckResult[];
}

export interface PhaseReport {
  readonly name: string;
  readonly seconds: number;
}

export interface RehearsalReport {
  readonly cluster: string;
  readonly kubernetesVersion: string;
  readonly passed: boolean;
  readonly nodes: readonly NodeReport[];
  readonly clusterChecks: readonly CheckResult[];
  /** Checks made after `loseNode` was powered off (empty without it). */
  readonly afterLoss: { readonly node: string; readonly checks: readonly CheckResult[] } | undefined;
  readonly overlays: readonly Overlay[];
  readonly images: readonly string[];
  /** How the images went onto the nodes (default: ctr -n k8s.io images import). */
  readonly imageLoader?: string;
  readonly phases: readonly PhaseReport[];
  readonly seconds: number;
  /** Where the nodes live when kept (--keep). */
  readonly kept: { readonly folder: string; readonly namespaces: readonly string[] } | undefined;
}

const NODE_BINARIES = ["kubelet", "kube-proxy", "kubectl", "crictl"] as const;

interface ExtractedBundles {
  readonly nodes: ReadonlyMap<string, string>;
  readonly admin: string;
  /** The admin bundle's first kubeconfig (admin/README.md's KUBECONFIG). */
  readonly adminKubeconfig: string;
}

async function extractBundles(output: string, folder: string, plan: ClusterPlan): Promise<ExtractedBundles> {
  const nodes = new Map<string, string>();
  for (const node of plan.nodes) {
    const archive = join(output, "nodes", `${node.name}.tar.gz`);
    if (!existsSync(archive))
      throw new Error(
        `${archive} is missing: rehearse needs the tar bundles of kubescratch generate (--format tar)`,
      );
    const into = join(folder, "bundles", node.name);
    await mkdir(into, { recursive: true });
    await run("tar", ["-xzf", archive, "-C", into]);
    nodes.set(node.name, into);
  }
  const admin = join(folder, "bundles", "admin");
  await mkdir(admin, { recursive: true });
  await run("tar", ["-xzf", join(output, "admin.tar.gz"), "-C", admin]);
  const kubeconfigs = (await readdir(join(admin, "kubeconfigs")))
    .filter((name) => name.endsWith(".kubeconfig"))
    .sort();
  if (!kubeconfigs[0]) throw new Error("the admin bundle has no kubeconfig: the spec needs an admin");
  return { nodes, admin, adminKubeconfig: join(admin, "kubeconfigs", kubeconfigs[0]) };
}

const GIB = 1024 ** 3;

/**
 * Every node imports the images into its own store under the cache folder: refuse at once when the
 * disk has not room for them all (about their archives' size per node, plus a margin), rather than
 * boot nodes whose kubelets find a full disk.
 */
async function checkDiskRoom(archiveFiles: readonly string[], nodes: number): Promise<void> {
  let archiveBytes = 0;
  for (const file of archiveFiles) archiveBytes += (await stat(file)).size;
  const needed = archiveBytes * nodes + 2 * GIB;
  await mkdir(cacheRoot(), { recursive: true });
  const disk = await statfs(cacheRoot());
  const free = disk.bavail * disk.bsize;
  if (free < needed)
    throw new Error(
      `${cacheRoot()} has ${(free / GIB).toFixed(1)} GB free; the ${nodes} node(s) need about ${(needed / GIB).toFixed(1)} GB for their image stores: free some space, or move the cache with KUBESCRATCH_REHEARSE_CACHE`,
    );
}

const DEBIAN_CNI_FOLDER = "/usr/lib/cni";

/** The CNI plugin folder a node bundle's containerd configuration names, if it has one. */
async function cniPluginFolder(bundle: string | undefined): Promise<string | undefined> {
  if (bundle === undefined) return undefined;
  try {
    const config = await readFile(join(bundle, "etc/containerd/config.toml"), "utf8");
    return /^\s*bin_dir\s*=\s*"([^"]+)"/m.exec(config)?.[1];
  } catch {
    return undefined;
  }
}

/** The --allow-privileged of a control-plane node's generated kube-apiserver manifest. */
async function apiserverAllowsPrivileged(
  bundles: { readonly nodes: ReadonlyMap<string, string> },
  plan: ClusterPlan,
): Promise<boolean | undefined> {
  const controlPlane = plan.nodes.find((node) => node.roles.includes("control-plane"));
  const bundle = controlPlane && bundles.nodes.get(controlPlane.name);
  if (!bundle) return undefined;
  const manifest = await readFile(join(bundle, "etc/kubernetes/manifests/kube-apiserver.yaml"), "utf8").catch(
    () => "",
  );
  const flag = /--allow-privileged=(true|false)/.exec(manifest)?.[1];
  return flag === undefined ? undefined : flag === "true";
}

const IMAGE_LINE = /^[\s-]*image:\s*["']?([^"'\s]+)["']?\s*$/gm;
const SANDBOX_IMAGE = /^\s*sandbox_image\s*=\s*"([^"]+)"/m;

async function textFiles(folder: string, relative: readonly string[]): Promise<string[]> {
  const texts: string[] = [];
  for (const path of relative) {
    const full = join(folder, path);
    if (!existsSync(full)) continue;
    if (path.endsWith("/")) {
      for (const file of await readdir(full)) texts.push(await readFile(join(full, file), "utf8"));
    } else texts.push(await readFile(full, "utf8"));
  }
  return texts;
}

/** Images a node's own files name (static pods, the sandbox image), and those any pod may run there. */
async function requiredImages(
  bundles: ExtractedBundles,
  legacy: boolean,
): Promise<{ perNode: Map<string, Set<string>>; everywhere: Set<string> }> {
  const everywhere = new Set<string>();
  if (legacy) {
    // The seed's era: JSON static pods and the kubelet's built-in pause image, so the admin bundle's
    // own list (images.txt: one reference a line) says what every node loads with `docker load`.
    for (const image of imagesListed(await readFile(join(bundles.admin, "images.txt"), "utf8")))
      everywhere.add(normalizeImageName(image));
    return {
      perNode: new Map([...bundles.nodes.keys()].map((name) => [name, new Set<string>()])),
      everywhere,
    };
  }
  for (const text of await textFiles(bundles.admin, ["addons/", "nginx-example.yaml", "validate-cluster.sh"]))
    for (const match of text.matchAll(IMAGE_LINE)) if (match[1]) everywhere.add(normalizeImageName(match[1]));
  const perNode = new Map<string, Set<string>>();
  for (const [name, folder] of bundles.nodes) {
    const images = new Set<string>();
    for (const text of await textFiles(folder, ["etc/kubernetes/manifests/"]))
      for (const match of text.matchAll(IMAGE_LINE)) if (match[1]) images.add(normalizeImageName(match[1]));
    for (const text of await textFiles(folder, ["etc/containerd/config.toml"])) {
      const sandbox = SANDBOX_IMAGE.exec(text)?.[1];
      if (sandbox) everywhere.add(normalizeImageName(sandbox));
    }
    perNode.set(name, images);
  }
  return { perNode, everywhere };
}

export async function rehearse(options: RehearseOptions): Promise<RehearsalReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const phases: PhaseReport[] = [];
  const phase = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const phaseStarted = Date.now();
    log(`-- ${name}`);
    try {
      return await step();
    } finally {
      phases.push({ name, seconds: Math.round((Date.now() - phaseStarted) / 100) / 10 });
    }
  };
  const readyTimeout = (options.readyTimeoutSeconds ?? 300) * 1000;

  const plan = JSON.parse(await readFile(join(options.output, "plan.json"), "utf8")) as ClusterPlan;
  // The seed's era (Kubernetes 1.1/1.2): docker nodes, the era's kubectl and checks of its own.
  const legacy = plan.profile.era !== "current";
  const nodeBinaries: readonly string[] = legacy ? LEGACY_NODE_BINARIES : NODE_BINARIES;
  if (legacy && options.loseNode !== undefined)
    throw new Error(
      `--lose-node: the checks after a loss are written for current releases, not ${plan.profile.version}`,
    );
  // Before anything starts: a spec the LAN cannot hold is refused here.
  const ipv4Lan = lanPrefix(plan);
  const ipv6Lan = lanPrefix6(plan);
  // The admin machine's IPv4 address (its IPv6 one on an IPv6-only LAN) is also the nodes' resolver.
  const resolverLan = ipv4Lan ?? ipv6Lan;
  if (resolverLan === undefined) throw new Error("the rehearsal's LAN found no node address");
  const problems = await checkHost();
  for (const binary of nodeBinaries)
    if (!existsSync(join(options.binaries, binary)))
      problems.push(`${join(options.binaries, binary)} is missing`);
  if (problems.length > 0) throw new Error(`cannot rehearse on this host:\n  ${problems.join("\n  ")}`);

  const folder = join(cacheRoot(), "runs", `${plan.clusterName}-${Date.now().toString(36)}`);
  await mkdir(folder, { recursive: true });
  const bundles = await extractBundles(options.output, folder, plan);
  const kubelets = new Map<string, KubeletSettings>();
  for (const [name, bundle] of bundles.nodes) {
    const settings = await kubeletSettings(name, bundle);
    if (settings) kubelets.set(name, settings);
  }
  const expired = [...kubelets.values()].filter(
    (settings) => settings.clientCertificate && lifetimeUsed(settings.clientCertificate, Date.now()) >= 1,
  );
  if (expired.length > 0)
    throw new Error(
      `the kubelet client certificate of ${expired.map((settings) => `${settings.node} expired on ${settings.clientCertificate?.validTo ?? "?"}`).join(", ")}: generate the bundles again`,
    );
  const { perNode, everywhere } = await requiredImages(bundles, legacy);
  const archives = new Map<string, string>();
  const descriptions = new Map<string, string>();
  for (const file of (await readdir(options.images)).filter((name) => name.endsWith(".tar")).sort())
    for (const image of await archiveImages(join(options.images, file))) {
      archives.set(image.name, join(options.images, file));
      if (image.description) descriptions.set(image.name, image.description);
    }
  const named = [...new Set([...everywhere, ...[...perNode.values()].flatMap((set) => [...set])])].sort();
  const missing = named.filter((name) => !archives.has(name));
  if (missing.length > 0)
    throw new Error(`images the bundles name are not in ${options.images}: ${missing.join(", ")}`);
  await checkDiskRoom(
    [...new Set(named.map((name) => archives.get(name) ?? ""))].filter(Boolean),
    plan.nodes.length,
  );

  const baseRoot = await phase("node root", () => (legacy ? ensureLegacyRoot(log) : ensureBaseRoot(log)));
  const lan = await Lan.create();
  const nodes = new Map<string, SandboxNode>();
  const namespaces: string[] = [lan.namespace];
  let adminNamespace = "";
  const overlays: Overlay[] = [];
  const report = (
    passed: boolean,
    nodeReports: NodeReport[],
    clusterResults: CheckResult[],
    afterLoss: RehearsalReport["afterLoss"],
  ): RehearsalReport => ({
    cluster: plan.clusterName,
    kubernetesVersion: plan.profile.version,
    passed,
    nodes: nodeReports,
    clusterChecks: clusterResults,
    afterLoss,
    overlays,
    images: named.map((name) =>
      descriptions.has(name) ? `${name} (${descriptions.get(name) ?? ""})` : name,
    ),
    ...(legacy ? { imageLoader: "docker load -i" } : {}),
    phases,
    seconds: Math.round((Date.now() - started) / 1000),
    kept: options.keep ? { folder, namespaces } : undefined,
  });

  let tornDown: Promise<void> | undefined;
  const teardown = (): Promise<void> =>
    (tornDown ??= (async () => {
      if (options.keep) {
        await writeFile(join(folder, "namespaces"), `${namespaces.join("\n")}\n`);
        return;
      }
      await Promise.all([...nodes.values()].map((node) => node.destroy()));
      for (const namespace of namespaces.slice(1)) await lan.removeNamespace(namespace);
      await lan.destroy();
      await rm(folder, { recursive: true, force: true });
    })());
  // Interrupted, the nodes still go: nothing is left running on the host.
  const interrupted = (): void => {
    log("interrupted: removing the nodes");
    void teardown().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);

  try {
    const adminAddress = resolverLan.adminAddress;
    const lanAddress = (ip: string): string =>
      `${ip}/${ip.includes(":") ? (ipv6Lan?.prefix ?? 64) : (ipv4Lan?.prefix ?? 24)}`;
    for (const planned of plan.nodes) {
      const namespace = await lan.addHost(
        planned.name,
        nodeFamilies(planned).map((part) => lanAddress(part.ip)),
      );
      namespaces.push(namespace);
      nodes.set(
        planned.name,
        new SandboxNode({
          name: planned.name,
          namespace,
          baseRoot,
          folder: join(folder, "nodes", planned.name),
          machine: `${lan.namespace.replace(/-lan$/, "")}-${planned.name}`.slice(0, 60),
          // The LAN's "resolver" is the admin machine's address: it refuses DNS at once, as an
          // upstream without the cluster's names would answer nothing useful.
          resolver: adminAddress,
          ...(options.systemdResolved ? { resolved: true } : {}),
          // The seed's era: the apiserver reaches kubelets by node name (logs, exec), and docker
          // keeps its store outside the root's overlay.
          ...(legacy
            ? {
                hosts: plan.nodes.map((other) => `${other.ip} ${other.name}`),
                docker: true,
                conntrackHashsize: true,
              }
            : {}),
        }),
      );
    }
    adminNamespace = await lan.addHost("admin", [
      ...[ipv4Lan, ipv6Lan].flatMap((lan) => (lan === undefined ? [] : [lanAddress(lan.adminAddress)])),
    ]);
    namespaces.push(adminNamespace);

    await phase("boot", () => Promise.all([...nodes.values()].map((node) => node.boot(log))));
    await phase("binaries and images", () =>
      Promise.all(
        [...nodes.values()].map(async (node) => {
          const environment = await prepareNodeEnvironment(node.root);
          overlays.push(
            ...environment.filter((overlay) => !overlays.some((known) => known.id === overlay.id)),
          );
          for (const binary of nodeBinaries) {
            await copyFile(join(options.binaries, binary), join(node.root, "usr/local/bin", binary));
            await run("chmod", ["0755", join(node.root, "usr/local/bin", binary)]);
          }
          const cniFolder = await cniPluginFolder(bundles.nodes.get(node.name));
          if (cniFolder !== undefined && cniFolder !== DEBIAN_CNI_FOLDER) {
            // The operator's step for a bundle whose runtime looks elsewhere than Debian's package
            // puts the plugins (/opt/cni/bin: the CNI project's release tarball).
            await mkdir(join(node.root, cniFolder), { recursive: true });
            await run("cp", ["-a", `${join(node.root, DEBIAN_CNI_FOLDER)}/.`, join(node.root, cniFolder)]);
            log(`${node.name}: Debian's CNI plugins copied into ${cniFolder}, where its containerd looks`);
          }
          const wanted = [...everywhere, ...(perNode.get(node.name) ?? [])];
          const files = [...new Set(wanted.map((name) => archives.get(name) ?? ""))];
          await mkdir(join(node.root, "var/tmp/kubescratch-images"), { recursive: true });
          if (legacy) {
            const inside = files.map(
              (file) => `/var/tmp/kubescratch-images/${file.split("/").pop() ?? "image.tar"}`,
            );
            for (const [index, file] of files.entries())
              await copyFile(file, join(node.root, inside[index] ?? ""));
            await node.loadDockerImages(inside);
            await rm(join(node.root, "var/tmp/kubescratch-images"), { recursive: true, force: true });
          } else
            for (const file of files) {
              const inside = `/var/tmp/kubescratch-images/${file.split("/").pop() ?? "image.tar"}`;
              await copyFile(file, join(node.root, inside));
              await node.exec(["ctr", "-n", "k8s.io", "images", "import", inside], { timeoutMs: 300_000 });
              await rm(join(node.root, inside));
            }
          if (legacy) {
            const applied = await legacyNodeOverlays(node.root);
            overlays.push(...applied.filter((overlay) => !overlays.some((known) => known.id === overlay.id)));
          }
          log(
            `${node.name}: ${files.length} images ${legacy ? "loaded (docker load)" : "imported"}, ${nodeBinaries.join(", ")} in /usr/local/bin`,
          );
        }),
      ),
    );

    const nodeChecks = new Map<string, CheckResult[]>();
    for (const node of plan.nodes) nodeChecks.set(node.name, []);
    await phase("install", async () => {
      for (const group of installOrder(plan)) {
        await Promise.all(
          group.map(async (name) => {
            const node = nodes.get(name);
            const bundle = bundles.nodes.get(name);
            if (!node || !bundle) return;
            await mkdir(join(node.root, "root/bundle"), { recursive: true });
            await run("cp", ["-a", `${bundle}/.`, join(node.root, "root/bundle")]);
            const installed = await node.exec(["/root/bundle/install.sh"], {
              allowFailure: true,
              timeoutMs: 600_000,
            });
            nodeChecks.get(name)?.push({
              name: "install.sh exits 0",
              ok: installed.code === 0,
              ...(installed.code === 0 ? {} : { detail: tail(installed) }),
            });
            log(`${name}: install.sh exited ${installed.code}`);
            const applied = await sandboxOverlays(node, plan);
            overlays.push(...applied.filter((overlay) => !overlays.some((known) => known.id === overlay.id)));
          }),
        );
      }
    });

    // Where the admin bundle's steps run: the admin's machine on the LAN, or in firewall-only mode the
    // master, as admin/README.md says (only the nodes and pods may reach the plain-HTTP port).
    const master = plan.nodes.find((node) => node.roles.includes("control-plane"));
    const adminSteps =
      plan.security.mode === "firewall-only" && master
        ? (nodes.get(master.name)?.options.namespace ?? adminNamespace)
        : adminNamespace;
    if (adminSteps !== adminNamespace) log(`admin steps run on ${master?.name ?? "?"} (firewall-only mode)`);
    const kubectl: Kubectl = (args, runOptions = {}) =>
      run(
        "ip",
        [
          "netns",
          "exec",
          adminSteps,
          join(options.binaries, "kubectl"),
          "--kubeconfig",
          bundles.adminKubeconfig,
          // The seed's kubectl has no --request-timeout.
          ...(legacy ? [] : ["--request-timeout=15s"]),
          ...args,
        ],
        { allowFailure: true, timeoutMs: 60_000, ...runOptions },
      );

    const clusterResults: CheckResult[] = [];
    const adminStep = async (name: string, step: () => Promise<unknown>): Promise<boolean> => {
      try {
        await step();
        clusterResults.push({ name, ok: true });
        return true;
      } catch (caught) {
        clusterResults.push({
          name,
          ok: false,
          detail: caught instanceof Error ? caught.message : String(caught),
        });
        return false;
      }
    };
    await phase("admin steps (admin/README.md)", async () => {
      const reachable = legacy
        ? await adminStep("the apiserver answers the admin kubeconfig (kubectl get namespaces)", () =>
            waitFor(
              "the apiserver through the admin kubeconfig",
              async () => {
                const listed = await kubectl(["get", "namespaces", "-o", "name"]);
                if (listed.code !== 0 || !listed.stdout.includes("default")) throw new Error(tail(listed, 4));
                return true;
              },
              readyTimeout,
            ),
          )
        : await adminStep("the apiserver answers the admin kubeconfig (/readyz)", () =>
            waitFor(
              "the apiserver through the admin kubeconfig",
              async () => {
                const ready = await kubectl(["get", "--raw", "/readyz"]);
                if (ready.stdout.trim() !== "ok") throw new Error(tail(ready, 4));
                return true;
              },
              readyTimeout,
            ),
          );
      if (!reachable) return;
      if (existsSync(join(bundles.admin, "nodes.yaml")))
        await adminStep("kubectl apply -f nodes.yaml", async () => {
          const applied = await kubectl(["apply", "-f", join(bundles.admin, "nodes.yaml")]);
          if (applied.code !== 0) throw new Error(tail(applied, 4));
        });
      const addonOverlays = await adminOverlays(join(bundles.admin, "addons"), descriptions);
      overlays.push(...addonOverlays);
      await adminStep("kubectl apply -f addons/", () =>
        waitFor(
          "kubectl apply -f addons/",
          async () => {
            const applied = await kubectl(["apply", "-f", join(bundles.admin, "addons")]);
            if (applied.code !== 0) throw new Error(tail(applied, 4));
            return true;
          },
          120_000,
          5000,
        ),
      );
    });

    await phase("node validate.sh", async () => {
      await Promise.all(
        plan.nodes.map(async (planned) => {
          const node = nodes.get(planned.name);
          if (!node) return;
          let last: RunResult | undefined;
          try {
            await waitFor(
              `${planned.name}'s validate.sh to pass`,
              async () => {
                last = await node.exec(["/root/bundle/validate.sh"], {
                  allowFailure: true,
                  timeoutMs: 120_000,
                });
                return last.code === 0 ? true : undefined;
              },
              readyTimeout,
              5000,
            );
          } catch {
            // The last run's own lines say what failed.
          }
          if (last) nodeChecks.get(planned.name)?.push(...scriptChecks("validate.sh", last));
        }),
      );
    });

    await phase("validate-cluster.sh", async () => {
      const result = await run(
        "ip",
        [
          "netns",
          "exec",
          adminSteps,
          "env",
          `PATH=${options.binaries}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
          `KUBECONFIG=${bundles.adminKubeconfig}`,
          "bash",
          join(bundles.admin, "validate-cluster.sh"),
          "--timeout",
          String(Math.round(readyTimeout / 1000)),
        ],
        { allowFailure: true, timeoutMs: readyTimeout * 3 },
      );
      clusterResults.push(...scriptChecks("validate-cluster.sh", result));
    });

    await phase("cluster checks", async () => {
      if (legacy) {
        clusterResults.push(...(await legacyClusterChecks({ plan, nodes, kubectl, log, readyTimeout })));
        return;
      }
      const allowPrivileged = await apiserverAllowsPrivileged(bundles, plan);
      clusterResults.push(
        ...(await clusterChecks({
          plan,
          nodes,
          kubectl,
          log,
          readyTimeout,
          kubelets,
          ...(options.systemdResolved ? { systemdResolved: true } : {}),
          ...(allowPrivileged === undefined ? {} : { allowPrivileged }),
        })),
      );
    });

    let afterLoss: RehearsalReport["afterLoss"];
    if (options.loseNode !== undefined) {
      const lost = nodes.get(options.loseNode);
      if (!lost) throw new Error(`--lose-node ${options.loseNode}: no such node`);
      const lostName = options.loseNode;
      const serviceIP = await webServiceIP(kubectl);
      afterLoss = await phase(`losing ${lostName}`, async () => {
        await lost.powerOff();
        const lostAt = Date.now();
        log(`${lostName}: powered off`);
        return {
          node: lostName,
          checks: await afterLossChecks({ plan, nodes, kubectl, lost: lostName, serviceIP, lostAt, log }),
        };
      });
    }

    const nodeReports = plan.nodes.map((planned) => ({
      name: planned.name,
      ip: planned.ip,
      roles: planned.roles,
      checks: nodeChecks.get(planned.name) ?? [],
    }));
    const passed =
      nodeReports.every((node) => node.checks.every((check) => check.ok)) &&
      clusterResults.every((check) => check.ok);
    return report(passed, nodeReports, clusterResults, afterLoss);
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await teardown();
  }
}
