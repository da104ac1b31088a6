// Nodes as hosts on one Linux machine: each node of the spec is a systemd-nspawn container with a real
// systemd as PID 1, its own network namespace holding the node's address on a shared bridge (the
// "LAN"), its own root (an overlay on one cached Debian root) and its own cgroup subtree. Measured
// facts behind each step: shared/reference/node-sandbox.md.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheRoot } from "./cache.js";
import { debianMirror } from "./mirror.js";
import { run, waitFor, type RunOptions, type RunResult } from "./exec.js";

type Log = (line: string) => void;

/** What every node has before its bundle arrives: what an operator's Debian machine has. */
export const NODE_PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "iproute2",
  "iptables",
  "kmod",
  "procps",
  "curl",
  "ca-certificates",
  "bind9-dnsutils",
  "containerd",
  "runc",
  "containernetworking-plugins",
  // The hygiene packages the bundles' install-packages.sh asks for: preinstalled, because the nodes
  // have no route to a package mirror.
  "unattended-upgrades",
  "logrotate",
  "monit",
  "nfs-common",
  // A control-plane node that holds the API endpoint's virtual IP (controlPlane.endpoint
  // "keepalived-haproxy") runs the distribution's haproxy and keepalived.
  "haproxy",
  "keepalived",
  // Installed but off: a node rehearsing a systemd-resolved host (Ubuntu's default) turns it on.
  "systemd-resolved",
] as const;

const SUITE = "bookworm";

/**
 * The Debian root every node starts from, built once per machine with debootstrap (about 4 minutes)
 * and never changed afterwards: nodes write to an overlay above it.
 */
export async function ensureBaseRoot(log: Log): Promise<string> {
  const key = createHash("sha256")
    .update(`${SUITE}\n${NODE_PACKAGES.join(",")}\n3`)
    .digest("hex")
    .slice(0, 12);
  const root = join(cacheRoot(), "rootfs", `${SUITE}-${key}`);
  if (existsSync(join(root, ".kubescratch-complete"))) return root;
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const mirror = await debianMirror();
  log(`building the node root with debootstrap ${SUITE} from ${mirror} (once per machine)`);
  await run(
    "debootstrap",
    ["--variant=minbase", `--include=${NODE_PACKAGES.join(",")}`, SUITE, root, mirror],
    { timeoutMs: 30 * 60_000 },
  );
  // Nothing the node's own units need waits on a network that is not there.
  await run(
    "chroot",
    [
      root,
      "systemctl",
      "mask",
      "systemd-networkd-wait-online.service",
      "apt-daily.timer",
      "apt-daily-upgrade.timer",
    ],
    {
      allowFailure: true,
    },
  );
  // systemd-resolved's package enables it and points /etc/resolv.conf at its stub: only nodes asked
  // to rehearse a resolved host (NodeOptions.resolved) run it.
  await run("chroot", [root, "systemctl", "disable", "systemd-resolved.service"]);
  // rm first: the link is absolute, and writing through it from the host would write the host's file.
  await rm(join(root, "etc/resolv.conf"), { force: true });
  await writeFile(join(root, "etc/resolv.conf"), "");
  await writeFile(join(root, ".kubescratch-complete"), `${new Date().toISOString()}\n`);
  return root;
}

/** What a node of the seed's era adds: the era's runtime is docker (Debian's docker.io). */
export const LEGACY_NODE_PACKAGES = ["docker.io"] as const;

/**
 * The node root of the seed's era: the current root with Debian's docker.io installed (its
 * packages from the same mirror), built once per machine next to it and never changed afterwards.
 */
export async function ensureLegacyRoot(log: Log): Promise<string> {
  const base = await ensureBaseRoot(log);
  const key = createHash("sha256")
    .update(`${base}\n${LEGACY_NODE_PACKAGES.join(",")}\n2`)
    .digest("hex")
    .slice(0, 12);
  const root = join(cacheRoot(), "rootfs", `${SUITE}-legacy-${key}`);
  if (existsSync(join(root, ".kubescratch-complete"))) return root;
  await rm(root, { recursive: true, force: true });
  log(`building the seed-era node root: ${base} with ${LEGACY_NODE_PACKAGES.join(", ")} (once per machine)`);
  await run("cp", ["-a", base, root]);
  await rm(join(root, ".kubescratch-complete"), { force: true });
  await writeFile(join(root, "etc/resolv.conf"), await readFile("/etc/resolv.conf"));
  await writeFile(join(root, "usr/sbin/policy-rc.d"), "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  const environment = { ...process.env, DEBIAN_FRONTEND: "noninteractive" } as Record<string, string>;
  await run("chroot", [root, "apt-get", "update", "-qq"], { env: environment, timeoutMs: 10 * 60_000 });
  await run(
    "chroot",
    [root, "apt-get", "install", "-y", "-qq", "--no-install-recommends", ...LEGACY_NODE_PACKAGES],
    { env: environment, timeoutMs: 20 * 60_000 },
  );
  await run("chroot", [root, "apt-get", "clean"], { allowFailure: true });
  // Not started at boot: the rehearsal loads the images with a dockerd that leaves no bridge and no
  // iptables rules behind (SandboxNode.loadDockerImages), then install.sh starts the bundle's unit.
  await run("chroot", [root, "systemctl", "disable", "docker.service", "docker.socket"]);
  await rm(join(root, "usr/sbin/policy-rc.d"), { force: true });
  await writeFile(join(root, "etc/resolv.conf"), "");
  await writeFile(join(root, ".kubescratch-complete"), `${new Date().toISOString()}\n`);
  return root;
}

const V1_CONTROLLERS = ["cpuset", "cpu", "cpuacct", "memory", "devices", "freezer", "blkio", "pids"] as const;
const HIERARCHIES = [...V1_CONTROLLERS, "systemd", "unified"] as const;

/** The host's cgroup layout must be the v1 "hybrid" one measured in node-sandbox.md. */
export async function checkHost(): Promise<string[]> {
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push("run as root: the nodes are containers with their own network namespaces");
  for (const tool of ["systemd-nspawn", "debootstrap", "nsenter", "ip", "tar", "mount"]) {
    const found = await run("sh", ["-c", `command -v ${tool}`], { allowFailure: true });
    if (found.code !== 0)
      problems.push(
        `${tool} is missing: apt-get install ${tool === "systemd-nspawn" ? "systemd-container" : tool === "nsenter" || tool === "mount" ? "util-linux" : tool === "ip" ? "iproute2" : tool}`,
      );
  }
  for (const hierarchy of HIERARCHIES)
    if (!existsSync(`/sys/fs/cgroup/${hierarchy}/cgroup.procs`))
      problems.push(
        `/sys/fs/cgroup/${hierarchy} is not mounted: the rehearsal needs the cgroup v1 "hybrid" layout (v1 controllers, name=systemd and cgroup2 at /sys/fs/cgroup/unified)`,
      );
  return problems;
}

/** The shared LAN: a bridge in a network namespace of its own, which every node's eth0 plugs into. */
export class Lan {
  readonly namespace: string;
  private links = 0;

  private constructor(readonly id: string) {
    this.namespace = `ks${id}-lan`;
  }

  static async create(): Promise<Lan> {
    const lan = new Lan(randomBytes(3).toString("hex"));
    await run("ip", ["netns", "add", lan.namespace]);
    await run("ip", ["-n", lan.namespace, "link", "add", "lan", "type", "bridge"]);
    await run("ip", ["-n", lan.namespace, "link", "set", "lan", "up"]);
    await run("ip", ["-n", lan.namespace, "link", "set", "lo", "up"]);
    return lan;
  }

  /**
   * A namespace of its own plugged into the LAN with `addresses` (CIDRs, one per family) on eth0 and a
   * default route of each family there, as a real dual-stack machine has; IPv6 addresses usable at once
   * (no duplicate address detection).
   */
  async addHost(name: string, addresses: readonly string[]): Promise<string> {
    const namespace = `ks${this.id}-${name}`.slice(0, 60);
    const port = `p${this.links++}`;
    const temporary = `ks${this.id}${port}`.slice(0, 15);
    await run("ip", ["netns", "add", namespace]);
    await run("ip", ["link", "add", temporary, "type", "veth", "peer", "name", `${temporary}x`]);
    await run("ip", ["link", "set", temporary, "netns", this.namespace]);
    await run("ip", ["-n", this.namespace, "link", "set", temporary, "name", port]);
    await run("ip", ["-n", this.namespace, "link", "set", port, "master", "lan", "up"]);
    await run("ip", ["link", "set", `${temporary}x`, "netns", namespace]);
    await run("ip", ["-n", namespace, "link", "set", `${temporary}x`, "name", "eth0"]);
    for (const address of addresses)
      await run("ip", [
        "-n",
        namespace,
        "addr",
        "add",
        address,
        "dev",
        "eth0",
        ...(address.includes(":") ? ["nodad"] : []),
      ]);
    await run("ip", ["-n", namespace, "link", "set", "eth0", "up"]);
    await run("ip", ["-n", namespace, "link", "set", "lo", "up"]);
    for (const family of new Set(addresses.map((address) => (address.includes(":") ? "-6" : "-4"))))
      await run("ip", ["-n", namespace, family, "route", "add", "default", "dev", "eth0"]);
    return namespace;
  }

  async removeNamespace(namespace: string): Promise<void> {
    await run("ip", ["netns", "del", namespace], { allowFailure: true });
  }

  async destroy(): Promise<void> {
    await run("ip", ["netns", "del", this.namespace], { allowFailure: true });
  }
}

export interface NodeOptions {
  readonly name: string;
  readonly namespace: string;
  readonly baseRoot: string;
  /** This node's folder on the host: overlay layers, containerd's store, the console log. */
  readonly folder: string;
  readonly machine: string;
  /** The node's upstream DNS server (its /etc/resolv.conf): CoreDNS forwards there. */
  readonly resolver: string;
  /**
   * A systemd-resolved host, as Ubuntu installs one: resolved runs with the resolver as its upstream,
   * and /etc/resolv.conf names only its stub, 127.0.0.53.
   */
  readonly resolved?: boolean;
  /** More /etc/hosts lines (the seed's era: every node's name, which its apiserver dials). */
  readonly hosts?: readonly string[];
  /** Keep docker's store (/var/lib/docker) outside the root's overlay, as containerd's is. */
  readonly docker?: boolean;
  /**
   * Put a writable file of the host's value over /sys/module/nf_conntrack/parameters/hashsize
   * (CONNTRACK_HASHSIZE_OVERLAY): kube-proxy 1.2 writes it and exits when it cannot.
   */
  readonly conntrackHashsize?: boolean;
}

const CONNTRACK_MAX = "/proc/sys/net/netfilter/nf_conntrack_max";
const CONNTRACK_HASHSIZE = "/sys/module/nf_conntrack/parameters/hashsize";

const NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** One node: a booted systemd-nspawn container. */
export class SandboxNode {
  private process: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private initPid = 0;
  readonly root: string;

  constructor(readonly options: NodeOptions) {
    this.root = join(options.folder, "root");
  }

  get name(): string {
    return this.options.name;
  }

  private cgroup(hierarchy: string): string {
    return `/sys/fs/cgroup/${hierarchy}/kubescratch-${this.options.machine}`;
  }

  private cgroupProcs(): string[] {
    return HIERARCHIES.map((hierarchy) => join(this.cgroup(hierarchy), "cgroup.procs"));
  }

  /** SIGKILL to every process in the node's cgroups. */
  private async killEveryProcess(): Promise<void> {
    const pids = new Set<number>();
    for (const file of this.cgroupProcs())
      for (const line of (await readFile(file, "utf8").catch(() => "")).split("\n"))
        if (line) pids.add(Number(line));
    for (const pid of pids)
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
  }

  private async useSystemdResolved(): Promise<void> {
    const dropIns = join(this.root, "etc/systemd/resolved.conf.d");
    await mkdir(dropIns, { recursive: true });
    await writeFile(join(dropIns, "upstream.conf"), `[Resolve]\nDNS=${this.options.resolver}\n`);
    await rm(join(this.root, "etc/resolv.conf"), { force: true });
    await symlink("../run/systemd/resolve/stub-resolv.conf", join(this.root, "etc/resolv.conf"));
    await run("systemctl", ["--root", this.root, "enable", "systemd-resolved.service"]);
  }

  /** Mounts the node's root, gives it its own cgroups and boots it to multi-user.target. */
  async boot(log: Log): Promise<void> {
    const { folder, baseRoot, name, namespace, machine } = this.options;
    for (const sub of ["upper", "work", "root", "containerd", "docker"])
      await mkdir(join(folder, sub), { recursive: true });
    await run("mount", [
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=${baseRoot},upperdir=${join(folder, "upper")},workdir=${join(folder, "work")}`,
      this.root,
    ]);
    await writeFile(join(this.root, "etc/hostname"), `${name}\n`);
    await writeFile(
      join(this.root, "etc/hosts"),
      `127.0.0.1 localhost\n127.0.1.1 ${name}\n${(this.options.hosts ?? []).map((line) => `${line}\n`).join("")}`,
    );
    if (this.options.resolved) await this.useSystemdResolved();
    else await writeFile(join(this.root, "etc/resolv.conf"), `nameserver ${this.options.resolver}\n`);
    for (const hierarchy of HIERARCHIES) await mkdir(this.cgroup(hierarchy), { recursive: true });
    for (const file of ["cpuset.cpus", "cpuset.mems"])
      await writeFile(join(this.cgroup("cpuset"), file), await readFile(`/sys/fs/cgroup/cpuset/${file}`));
    const procs = this.cgroupProcs();
    const console = openSync(join(folder, "console.log"), "a");
    // The shell moves itself into the node's cgroups, then becomes systemd-nspawn: the container's
    // cgroup namespace is rooted there, so two nodes never share /kubepods.
    this.process = spawn(
      "bash",
      [
        "-c",
        `for f in ${procs.join(" ")}; do echo $$ > "$f"; done; exec "$@"`,
        "bash",
        "systemd-nspawn",
        "-D",
        this.root,
        "--boot",
        "--register=no",
        "--keep-unit",
        `--network-namespace-path=/run/netns/${namespace}`,
        "--capability=all",
        `--machine=${machine}`,
        `--hostname=${name}`,
        "--resolv-conf=off",
        "--timezone=off",
        "--link-journal=no",
        `--bind=${join(folder, "containerd")}:/var/lib/containerd`,
        ...(this.options.docker ? [`--bind=${join(folder, "docker")}:/var/lib/docker`] : []),
      ],
      {
        stdio: ["ignore", console, console],
        env: { ...process.env, SYSTEMD_SECCOMP: "0", SYSTEMD_NSPAWN_API_VFS_WRITABLE: "1" },
      },
    );
    closeSync(console);
    const child = this.process;
    this.exited = new Promise((resolveExit) => child.on("exit", () => resolveExit()));
    this.initPid = await waitFor(
      `${name}'s systemd to start`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`systemd-nspawn exited: see ${join(folder, "console.log")}`);
        // nspawn forks twice; the container's init is the child that has become systemd (an
        // intermediate child may still be there for a moment).
        const children = await run("pgrep", ["-P", String(child.pid)], { allowFailure: true });
        let pid = 0;
        for (const candidate of children.stdout.trim().split("\n").filter(Boolean)) {
          const comm = await readFile(`/proc/${candidate}/comm`, "utf8").catch(() => "");
          if (comm.trim() === "systemd") pid = Number(candidate);
        }
        return pid > 0 ? pid : undefined;
      },
      30_000,
      200,
    );
    try {
      await waitFor(
        `${name} to reach multi-user.target`,
        async () => {
          const state = await this.exec(["systemctl", "is-system-running"], { allowFailure: true });
          const answer = state.stdout.trim();
          if (answer === "running" || answer === "degraded") return answer;
          return undefined;
        },
        120_000,
        500,
      );
    } catch (caught) {
      const jobs = await this.exec(["systemctl", "list-jobs", "--no-pager"], { allowFailure: true }).catch(
        () => undefined,
      );
      const console = await readFile(join(folder, "console.log"), "utf8").catch(() => "");
      throw new Error(
        `${caught instanceof Error ? caught.message : String(caught)}\n${jobs?.stdout ?? ""}\n${console.split("\n").slice(-15).join("\n")}`,
      );
    }
    // nspawn mounts the v1 controllers read-only; runc needs them writable. Fresh mounts made inside
    // the node's cgroup namespace show only its own subtree. nf_conntrack_max belongs to the host's
    // first network namespace and is read-only in the node's: the node gets a writable file of the
    // same value in its place (see CONNTRACK_MAX_OVERLAY).
    await run("nsenter", [
      "-t",
      String(this.initPid),
      "-m",
      "-n",
      "-C",
      "sh",
      "-c",
      [
        `for c in ${V1_CONTROLLERS.join(" ")}; do mkdir -p /run/kubescratch-cgroup/$c && mount -t cgroup -o $c cgroup /run/kubescratch-cgroup/$c && mount --bind /run/kubescratch-cgroup/$c /sys/fs/cgroup/$c; done`,
        "[ -e /dev/kmsg ] || ln -s /dev/console /dev/kmsg",
        `cat ${CONNTRACK_MAX} > /run/kubescratch-nf_conntrack_max && mount --bind /run/kubescratch-nf_conntrack_max ${CONNTRACK_MAX}`,
        ...(this.options.conntrackHashsize
          ? [
              `cat ${CONNTRACK_HASHSIZE} > /run/kubescratch-nf_conntrack_hashsize && mount --bind /run/kubescratch-nf_conntrack_hashsize ${CONNTRACK_HASHSIZE}`,
            ]
          : []),
      ].join("; "),
    ]);
    log(`${name}: booted (systemd as PID 1, ${namespace})`);
  }

  /**
   * `docker load -i` of each archive (a path inside the node) into the node's docker store, with a
   * dockerd of its own (--iptables=false --bridge=none, no docker.socket) that is stopped afterwards:
   * docker 17.06+ started with its defaults sets the FORWARD policy to DROP, which the bundle's
   * network setup (written for docker 1.8-1.11) does not undo.
   */
  async loadDockerImages(archives: readonly string[]): Promise<void> {
    // In /etc: the node's /run is its own tmpfs, which hides the root's.
    const dropIn = join(this.root, "etc/systemd/system/docker.service.d/kubescratch-preload.conf");
    await mkdir(join(dropIn, ".."), { recursive: true });
    await writeFile(
      dropIn,
      "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --iptables=false --ip-masq=false --bridge=none\n",
    );
    await this.exec(["systemctl", "daemon-reload"]);
    await this.exec(["systemctl", "start", "docker.service"], { timeoutMs: 120_000 });
    try {
      for (const archive of archives)
        await this.exec(["docker", "load", "-i", archive], { timeoutMs: 300_000 });
    } finally {
      await this.exec(["systemctl", "stop", "docker.service", "docker.socket"], { allowFailure: true });
      await rm(dropIn, { force: true });
      await this.exec(["systemctl", "daemon-reload"]);
    }
  }

  /** Runs a command inside the node, as root, with a clean environment. */
  exec(command: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    if (this.initPid === 0) throw new Error(`${this.name} is not running`);
    return run(
      "nsenter",
      [
        "-t",
        String(this.initPid),
        "-a",
        "env",
        "-i",
        `PATH=${NODE_PATH}`,
        "HOME=/root",
        "LANG=C.UTF-8",
        ...command,
      ],
      options,
    );
  }

  /** Stops the node as a power cut would: every process, at once. */
  async powerOff(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    this.process.kill("SIGKILL");
    await this.killEveryProcess();
    await this.exited;
    this.initPid = 0;
  }

  /** Shuts the node down cleanly (SIGTERM makes nspawn power the container off), then removes it. */
  async destroy(): Promise<void> {
    if (this.process && this.process.exitCode === null) {
      this.process.kill("SIGTERM");
      let late: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        this.exited?.then(() => true),
        new Promise<boolean>((resolveLate) => (late = setTimeout(() => resolveLate(false), 30_000))),
      ]);
      clearTimeout(late);
      if (!stopped) await this.powerOff();
    }
    this.initPid = 0;
    // Processes that outlived the container (shims reparented to nothing) go before their cgroups.
    await this.killEveryProcess();
    await run(
      "sh",
      [
        "-c",
        `grep " ${this.options.folder}/" /proc/mounts | cut -d" " -f2 | sort -r | xargs -r -n1 umount -l; umount -l ${this.root} 2>/dev/null; true`,
      ],
      { allowFailure: true },
    );
    for (const hierarchy of HIERARCHIES)
      await run(
        "sh",
        [
          "-c",
          `[ -d ${this.cgroup(hierarchy)} ] && find ${this.cgroup(hierarchy)} -depth -type d -exec rmdir {} + ; true`,
        ],
        {
          allowFailure: true,
        },
      );
    await rm(this.options.folder, { recursive: true, force: true, maxRetries: 3 });
  }
}
