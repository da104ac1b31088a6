// Pure parts of the rehearsal: where the nodes sit on the LAN, the order they install in, and how the
// generated validation scripts' lines become check results.
import {
  cidrContains,
  formatIp,
  nodeFamilies,
  parseCidr,
  parseIp,
  type ClusterPlan,
} from "@kubescratch/core";
import type { RunResult } from "./exec.js";
import type { CheckResult } from "./rehearse.js";

/** Each node's address of one family, in plan order (undefined where a node has none). */
function familyAddresses(plan: ClusterPlan, family: "ipv4" | "ipv6"): (bigint | undefined)[] {
  return plan.nodes.map((node) => {
    const part = nodeFamilies(node).find((each) => each.family === family);
    return part === undefined ? undefined : parseIp(part.ip)?.value;
  });
}

/**
 * The covering prefix of the nodes' IPv4 addresses (at most /24), so every node is on-link to the
 * others, and the admin machine's address there; undefined on an IPv6-only cluster.
 */
export function lanPrefix(plan: ClusterPlan): { prefix: number; adminAddress: string } | undefined {
  const found = familyAddresses(plan, "ipv4");
  const addresses = found.filter((value): value is bigint => value !== undefined);
  if (addresses.length === 0) return undefined;
  if (addresses.length !== found.length)
    throw new Error("the rehearsal's LAN needs an IPv4 address on every node, or on none");
  const first = addresses[0] ?? 0n;
  const network = (value: bigint, prefix: number): bigint => value >> BigInt(32 - prefix);
  let prefix = 24;
  while (prefix > 8 && !addresses.every((value) => network(value, prefix) === network(first, prefix)))
    prefix--;
  const size = 1n << BigInt(32 - prefix);
  let admin = network(first, prefix) * size + size - 2n;
  while (addresses.includes(admin)) admin--;
  return { prefix, adminAddress: formatIp(admin, "ipv4") };
}

/** An address as a URL's host: an IPv6 one in brackets. */
export function urlHost(ip: string): string {
  return ip.includes(":") ? `[${ip}]` : ip;
}

/** Whether an address lies inside a range (of its own family). */
export function insideCidr(address: string, cidr: string): boolean {
  const parsedAddress = parseIp(address);
  const parsedCidr = parseCidr(cidr);
  return (
    parsedAddress !== undefined &&
    parsedCidr.ok &&
    cidrContains(parsedCidr.cidr, parsedAddress.family, parsedAddress.value)
  );
}

/**
 * A dual-stack LAN's IPv6 prefix, /64, which the nodes' IPv6 addresses must share, and the admin
 * machine's IPv6 address there (the /64's last but one that no node holds); undefined without IPv6.
 */
export function lanPrefix6(plan: ClusterPlan): { prefix: number; adminAddress: string } | undefined {
  const addresses = familyAddresses(plan, "ipv6").filter((value): value is bigint => value !== undefined);
  const first = addresses[0];
  if (first === undefined) return undefined;
  if (!addresses.every((value) => value >> 64n === first >> 64n))
    throw new Error("the rehearsal's LAN needs every node's IPv6 address in one /64");
  let admin = ((first >> 64n) << 64n) + (1n << 64n) - 2n;
  while (addresses.includes(admin)) admin--;
  return { prefix: 64, adminAddress: formatIp(admin, "ipv6") };
}

/** The admin README's order: etcd members, then the other control-plane nodes, then the rest. */
export function installOrder(plan: ClusterPlan): string[][] {
  const etcd = plan.nodes.filter((node) => node.roles.includes("etcd"));
  const controlPlane = plan.nodes.filter(
    (node) => !node.roles.includes("etcd") && node.roles.includes("control-plane"),
  );
  const rest = plan.nodes.filter(
    (node) => !node.roles.includes("etcd") && !node.roles.includes("control-plane"),
  );
  return [etcd, controlPlane, rest]
    .filter((group) => group.length > 0)
    .map((group) => group.map((node) => node.name));
}

/** The image references of an admin bundle's images.txt: one a line, without comments or prose. */
export function imagesListed(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^[a-z0-9][^\s#]*:[^\s]+$/.test(line));
}

export function tail(result: RunResult, lines = 15): string {
  return `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-lines).join("\n");
}

/** Parses the "ok   ..." / "FAIL ..." lines the generated validation scripts print. */
export function scriptChecks(prefix: string, result: RunResult): CheckResult[] {
  const checks: CheckResult[] = [];
  const lines = result.stdout.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const ok = /^ok\s+(.*)$/.exec(line);
    const failed = /^FAIL\s+(.*)$/.exec(line);
    if (ok?.[1]) checks.push({ name: `${prefix}: ${ok[1]}`, ok: true });
    else if (failed?.[1]) {
      const detail: string[] = [];
      while ((lines[index + 1] ?? "").startsWith("       ")) detail.push((lines[++index] ?? "").trim());
      checks.push({ name: `${prefix}: ${failed[1]}`, ok: false, detail: detail.join("\n") });
    }
  }
  checks.push({
    name: `${prefix} exits 0`,
    ok: result.code === 0,
    ...(result.code === 0 ? {} : { detail: `exit ${result.code}: ${tail(result, 6)}` }),
  });
  return checks;
}
