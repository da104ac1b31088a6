// Network namespaces for tests that run generated scripts against the real kernel (verification.md
// §5): simulated nodes, pods and a switch, all in their own namespaces, none in the host's. Every
// namespace a lab creates carries the lab's unique prefix and is deleted by cleanup(), which the
// tests call in afterAll/finally, so a failing test leaves nothing behind.
import { spawnSync } from "node:child_process";

export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (no shell), with a timeout; never throws. */
export function run(command: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): Run {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    input,
    timeout: 30_000,
    env: env ?? process.env,
  });
  return {
    status: result.status ?? (result.error ? 127 : 128),
    stdout: result.stdout ?? "",
    stderr: (result.stderr ?? "") + (result.error ? String(result.error) : ""),
  };
}

/** Runs a command and throws with its output when it fails. */
export function must(command: string, args: readonly string[], input?: string): string {
  const result = run(command, args, input);
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}):\n${result.stderr}${result.stdout}`,
    );
  return result.stdout;
}

export class NetnsLab {
  readonly prefix: string;
  private readonly created: string[] = [];

  /** `tag` tells labs of different tests apart; the process id tells concurrent runs apart. */
  constructor(tag: string) {
    this.prefix = `ks5${tag}${process.pid % 100000}`;
    if (this.prefix.length > 11) throw new Error(`netns prefix ${this.prefix} is too long`);
  }

  /** Creates PREFIX-name with its loopback up and IPv6 off; fails the test with a clear message when it cannot. */
  add(name: string, options: { readonly ipv6?: boolean } = {}): string {
    const full = `${this.prefix}-${name}`;
    const result = run("ip", ["netns", "add", full]);
    if (result.status !== 0) {
      throw new Error(
        `cannot create network namespace ${full} (ip netns add: ${result.stderr.trim()}); ` +
          "these tests need root (CAP_NET_ADMIN) and iproute2, as CI has",
      );
    }
    this.created.push(full);
    must("ip", ["-n", full, "link", "set", "lo", "up"]);
    // No IPv6 on the lab's links: link-local addresses come up asynchronously (duplicate address
    // detection) and would make two snapshots of the same state differ. A dual-stack lab keeps IPv6
    // (neighbour discovery needs the link-local addresses: without them the bridges' multicast
    // snooping drops solicitations) but skips duplicate address detection, so every address is
    // usable the moment its link is up, and takes no router advertisements.
    this.mustExec(
      full,
      options.ipv6
        ? [
            "sysctl",
            "-qw",
            "net.ipv6.conf.default.accept_dad=0",
            "net.ipv6.conf.default.accept_ra=0",
            "net.ipv6.conf.all.accept_ra=0",
          ]
        : ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"],
    );
    return full;
  }

  /**
   * Gives a namespace an "eth0" with an address, as a node's own network card: one end of a veth pair
   * whose other end stays in the same namespace (this kernel has no dummy driver), so it reaches nothing.
   */
  uplink(namespace: string, address: string): void {
    must("ip", ["-n", namespace, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-end"]);
    must("ip", ["-n", namespace, "addr", "add", address, "dev", "eth0"]);
    must("ip", ["-n", namespace, "link", "set", "eth0-end", "up"]);
    must("ip", ["-n", namespace, "link", "set", "eth0", "up"]);
  }

  /** Runs a command inside a namespace. */
  exec(namespace: string, args: readonly string[], input?: string): Run {
    return run("ip", ["netns", "exec", namespace, ...args], input);
  }

  mustExec(namespace: string, args: readonly string[], input?: string): string {
    const result = this.exec(namespace, args, input);
    if (result.status !== 0)
      throw new Error(
        `in ${namespace}: ${args.join(" ")} failed (${result.status}):\n${result.stderr}${result.stdout}`,
      );
    return result.stdout;
  }

  /**
   * Runs a script file with bash inside a namespace, in a private mount namespace whose root is
   * read-only: a script that tried to write a file would fail, so a pass also shows it writes none.
   */
  runScriptReadOnly(namespace: string, scriptPath: string, env: Readonly<Record<string, string>> = {}): Run {
    const assignments = Object.entries(env).map(([key, value]) => `${key}=${value}`);
    return run("unshare", [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -o remount,bind,ro / && exec ip netns exec "$0" env "$@"',
      namespace,
      ...assignments,
      "bash",
      scriptPath,
    ]);
  }

  /** Deletes every namespace this lab created (and any other with its prefix). */
  cleanup(): string[] {
    const problems: string[] = [];
    const listed = run("ip", ["netns", "list"])
      .stdout.split("\n")
      .map((line) => line.split(" ")[0] ?? "")
      .filter((name) => name.startsWith(`${this.prefix}-`));
    for (const name of new Set([...this.created, ...listed])) {
      const result = run("ip", ["netns", "del", name]);
      if (result.status !== 0 && !/No such file/.test(result.stderr))
        problems.push(`${name}: ${result.stderr.trim()}`);
    }
    this.created.length = 0;
    return problems;
  }

  /** Namespaces with this lab's prefix that still exist. */
  leftovers(): string[] {
    return run("ip", ["netns", "list"])
      .stdout.split("\n")
      .map((line) => line.split(" ")[0] ?? "")
      .filter((name) => name.startsWith(`${this.prefix}-`));
  }
}

/** The nat/filter rules and routes of a namespace, without counters and timestamps. */
export function networkState(lab: NetnsLab, namespace: string): { routes: string; rules: string } {
  const routes = ["-4", "-6"]
    .map((family) => lab.mustExec(namespace, ["ip", family, "route", "show", "table", "all"]))
    .join("");
  const rules = ["iptables-save", "ip6tables-save"]
    .map((tool) => lab.mustExec(namespace, [tool]))
    .join("")
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .map((line) => line.replace(/\[\d+:\d+\]/g, "[-]"))
    .join("\n");
  return { routes, rules };
}
