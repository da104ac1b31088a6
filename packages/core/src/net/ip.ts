// Address arithmetic for the plan and the semantic checks. ipaddr.js parses and prints addresses;
// ranges are handled as BigInt offsets so IPv4 and IPv6 share one code path.
import ipaddr from "ipaddr.js";

export type IpFamily = "ipv4" | "ipv6";

export interface Cidr {
  readonly family: IpFamily;
  /** The network address as a number (host bits cleared). */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS: Readonly<Record<IpFamily, number>> = { ipv4: 32, ipv6: 128 };

/** The family as people write it: IPv4, IPv6. */
export function familyName(family: IpFamily): string {
  return family === "ipv4" ? "IPv4" : "IPv6";
}

export function familyBits(family: IpFamily): number {
  return BITS[family];
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

function fromBigInt(value: bigint, family: IpFamily): string {
  const length = BITS[family] / 8;
  const bytes: number[] = new Array<number>(length);
  let rest = value;
  for (let index = length - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

type ParsedIp = { readonly family: IpFamily; readonly value: bigint } | undefined;

// Every certificate's SANs and every node's addresses are parsed again and again (about 20 µs each with
// ipaddr.js; 3 times per node and certificate at 5,000 nodes): parsed once, up to a bound.
const parsedIps = new Map<string, ParsedIp>();
const PARSED_IPS_KEPT = 100_000;

/** Parses a plain address (no prefix). Returns undefined for anything else, including "10.0.0.1/8". */
export function parseIp(text: string): ParsedIp {
  if (parsedIps.has(text)) return parsedIps.get(text);
  const parsed = parseIpUncached(text);
  if (parsedIps.size >= PARSED_IPS_KEPT) parsedIps.clear();
  parsedIps.set(text, parsed);
  return parsed;
}

function parseIpUncached(text: string): ParsedIp {
  // ipaddr.isValid accepts shorthand such as "10.1" and octal/hex forms; only the four-part
  // decimal form (and standard IPv6) is an address in a Kubernetes flag.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return { family: "ipv4", value: toBigInt(ipaddr.IPv4.parse(text)) };
  }
  // A zone ("fe80::1%eth0") is not part of an address in a Kubernetes flag (Go's net.ParseIP).
  if (text.includes(":") && !text.includes("%") && ipaddr.IPv6.isValid(text)) {
    const address = ipaddr.IPv6.parse(text);
    if (address.isIPv4MappedAddress()) return undefined;
    return { family: "ipv6", value: toBigInt(address) };
  }
  return undefined;
}

/**
 * Why an address cannot be a node's own, as the kubelet refuses it (validateNodeIP in
 * pkg/kubelet/kubelet_node_status.go: loopback, multicast, link-local unicast, all zeros), plus the
 * IPv4 limited broadcast address, which no interface holds; undefined for a usable address.
 */
export function nodeAddressProblem(text: string): string | undefined {
  const parsed = parseIp(text);
  if (!parsed) return undefined;
  const range = ipaddr.parse(text).range();
  switch (range) {
    case "unspecified":
      return "the unspecified (all-zeros) address";
    case "loopback":
      return "a loopback address";
    case "multicast":
      return "a multicast address";
    case "linkLocal":
      return "a link-local address";
    case "broadcast":
      return "the broadcast address";
    default:
      return undefined;
  }
}

export type CidrParseResult =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: "syntax" }
  | { readonly ok: false; readonly reason: "host-bits"; readonly network: string };

/** Parses "a.b.c.d/n" (or IPv6); the address must be the network address of the range. */
export function parseCidr(text: string): CidrParseResult {
  const slash = text.indexOf("/");
  if (slash < 0 || !/^[0-9]{1,3}$/.test(text.slice(slash + 1))) return { ok: false, reason: "syntax" };
  const address = parseIp(text.slice(0, slash));
  const prefix = Number(text.slice(slash + 1));
  if (!address || prefix > BITS[address.family]) return { ok: false, reason: "syntax" };
  const network = address.value & mask(address.family, prefix);
  if (network !== address.value) {
    return {
      ok: false,
      reason: "host-bits",
      network: formatCidr({ family: address.family, network, prefix }),
    };
  }
  return { ok: true, cidr: { family: address.family, network, prefix } };
}

function mask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

export function formatIp(value: bigint, family: IpFamily): string {
  return fromBigInt(value, family);
}

export function formatCidr(cidr: Cidr): string {
  return `${fromBigInt(cidr.network, cidr.family)}/${cidr.prefix}`;
}

/** Number of addresses in the range. */
export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt(BITS[cidr.family] - cidr.prefix);
}

export function cidrContains(cidr: Cidr, family: IpFamily, value: bigint): boolean {
  return family === cidr.family && value >= cidr.network && value < cidr.network + cidrSize(cidr);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.network < b.network + cidrSize(b) && b.network < a.network + cidrSize(a);
}

/** The address `offset` places after the network address. */
export function addressAt(cidr: Cidr, offset: bigint): bigint {
  return cidr.network + offset;
}

/** How many subnets of length `prefix` fit in `cidr` (prefix must be >= cidr.prefix). */
export function subnetCount(cidr: Cidr, prefix: number): bigint {
  return 1n << BigInt(prefix - cidr.prefix);
}

/** The `index`-th subnet of length `prefix` inside `cidr`. */
export function subnetAt(cidr: Cidr, prefix: number, index: bigint): Cidr {
  return {
    family: cidr.family,
    prefix,
    network: cidr.network + index * (1n << BigInt(BITS[cidr.family] - prefix)),
  };
}

/** Index of `subnet` among the subnets of its own length in `cidr`, or undefined if not aligned inside it. */
export function subnetIndex(cidr: Cidr, subnet: Cidr): bigint | undefined {
  if (subnet.family !== cidr.family || subnet.prefix < cidr.prefix) return undefined;
  if (!cidrContains(cidr, subnet.family, subnet.network)) return undefined;
  return (subnet.network - cidr.network) >> BigInt(BITS[cidr.family] - subnet.prefix);
}

/** An address in its canonical text form ("FD00::B" -> "fd00::b"); undefined when it is not one. */
export function canonicalIp(text: string): string | undefined {
  const parsed = parseIp(text);
  return parsed ? fromBigInt(parsed.value, parsed.family) : undefined;
}

/** Addresses in a node's pod range that are not pods: network, broadcast (IPv4) and the bridge itself. */
export function reservedPerNodeRange(family: IpFamily): number {
  return family === "ipv4" ? 3 : 2;
}

/** Pod addresses in a node range of length `prefix`, after the reserved ones. */
export function podAddressesPerRange(family: IpFamily, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - BigInt(reservedPerNodeRange(family));
}

/** An address as it stands in a URL's host: IPv6 in brackets. */
export function urlHost(ip: string): string {
  return ip.includes(":") ? `[${ip}]` : ip;
}

/** host:port for URLs and flags, IPv6 in brackets. */
export function hostPort(ip: string, port: number): string {
  return `${urlHost(ip)}:${port}`;
}

/** A spec field that holds one address or range, or one per family in a dual-stack cluster: its values, primary first. */
export function familyValues(value: string | readonly string[]): readonly string[] {
  return typeof value === "string" ? [value] : value;
}

/** The primary family's value of such a field: the value, or the first of the list. */
export function primaryValue(value: string | readonly string[]): string {
  const first = typeof value === "string" ? value : value[0];
  if (first === undefined) throw new Error("unreachable: the schema requires at least one value");
  return first;
}
