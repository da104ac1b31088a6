// The address plan (S4-S6, S20, S25): every address decision made once, as plain serialisable data
// that the components, the CLI's table and the site all read.
import {
  addressAt,
  canonicalIp,
  cidrSize,
  formatCidr,
  formatIp,
  hostPort,
  parseCidr,
  podAddressesPerRange,
  subnetAt,
  subnetCount,
  subnetIndex,
  type Cidr,
} from "../net/ip.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import { resolveKubernetesVersion } from "../versions/kubernetes.js";
import { versionProfile, type VersionProfile } from "../versions/profile.js";

export type NodeRole = ClusterSpec["nodes"][number]["roles"][number];

export interface NodePlan {
  readonly name: string;
  readonly ip: string;
  readonly roles: readonly NodeRole[];
  readonly labels: Readonly<Record<string, string>>;
  /** NODE_X_POD_CIDR */
  readonly podCIDR: string;
  /** Why the node has this range: pinned in the spec, kept from the previous plan, or newly allocated. */
  readonly podCIDRSource: "pinned" | "previous" | "allocated";
  /** First address of the node's pod range: the bridge's IP. */
  readonly bridgeIP: string;
  /** NODE_X_BRIDGE_ADDR (S20): bridge IP with the node range's prefix, as `ip addr add` takes it. */
  readonly bridgeAddress: string;
}

export interface EtcdMemberPlan {
  readonly name: string;
  readonly ip: string;
  readonly clientURL: string;
  readonly peerURL: string;
}

export interface ClusterPlan {
  readonly apiVersion: "kubescratch.dev/v1alpha1";
  readonly kind: "ClusterPlan";
  readonly clusterName: string;
  readonly profile: VersionProfile;
  readonly security: {
    readonly mode: ClusterSpec["security"]["mode"];
    readonly credentialLayout: ClusterSpec["security"]["credentialLayout"];
    readonly keyAlgorithm: ClusterSpec["security"]["keyAlgorithm"];
  };
  readonly controlPlane: {
    /** MASTER_IP */
    readonly masterIP: string;
    readonly apiserverPort: number;
    /**
     * The URL kubelets, kube-proxies and admins use: the endpoint when there is one, else masterIP
     * (https in HTTPS mode, the insecure port otherwise).
     */
    readonly apiserverURL: string;
    /** The highly available endpoint in front of every apiserver (controlPlane.endpoint). */
    readonly endpoint?: {
      readonly host: string;
      readonly port: number;
      readonly loadBalancer: NonNullable<ClusterSpec["controlPlane"]["endpoint"]>["loadBalancer"];
    };
    readonly nodes: readonly string[];
  };
  readonly network: {
    readonly mode: ClusterSpec["network"]["mode"];
    readonly overlay?: ClusterSpec["network"]["overlay"];
    /** CLUSTER_SUBNET */
    readonly podCIDR: string;
    readonly nodePodCIDRPrefix: number;
    /** How many node ranges the pod range holds (capped at Number.MAX_SAFE_INTEGER). */
    readonly nodeCIDRCapacity: number;
    /** Pod addresses in each node range, after network, broadcast and bridge addresses. */
    readonly podAddressesPerNode: number;
    readonly maxPodsPerNode: number;
    /** SERVICE_CLUSTER_IP_RANGE */
    readonly serviceCIDR: string;
    /** Addresses services can use: the range less its network and broadcast addresses. */
    readonly serviceCapacity: number;
    /** The `kubernetes` service: first address of the service range. */
    readonly kubernetesServiceIP: string;
    readonly dnsServiceIP: string;
    readonly clusterDomain: string;
    readonly mtu: number;
    readonly masquerade: boolean;
    readonly bridge: ClusterSpec["network"]["bridge"];
  };
  readonly etcd: {
    readonly dataDir: string;
    readonly members: readonly EtcdMemberPlan[];
  };
  readonly nodes: readonly NodePlan[];
}

/** What a previous plan contributes: each node's pod range, so regeneration keeps it. */
export interface PreviousAllocation {
  readonly nodes: readonly { readonly name: string; readonly podCIDR: string }[];
}

export interface PlanOptions {
  /** A previous plan (or any object with its nodes' names and pod ranges): existing nodes keep their ranges. */
  readonly previous?: PreviousAllocation;
}

function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function mustCidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`unreachable: ${text} passed validation but is not a CIDR`);
  return parsed.cidr;
}

function mustIp(text: string): string {
  const canonical = canonicalIp(text);
  if (canonical === undefined) throw new Error(`unreachable: ${text} passed validation but is not an IP`);
  return canonical;
}

/**
 * Allocates one pod range per node: pinned ranges first, then each node's range from the previous
 * plan when it still fits, then the lowest free range in spec order (ranges of the previous plan last).
 */
function allocatePodRanges(
  spec: ClusterSpec,
  podRange: Cidr,
  previous: PreviousAllocation | undefined,
): { cidr: Cidr; source: NodePlan["podCIDRSource"] }[] {
  const prefix = spec.network.nodePodCIDRPrefix;
  const taken = new Set<bigint>();
  const result: ({ cidr: Cidr; source: NodePlan["podCIDRSource"] } | undefined)[] = spec.nodes.map((node) => {
    if (node.podCIDR === undefined) return undefined;
    const cidr = mustCidr(node.podCIDR);
    const index = subnetIndex(podRange, cidr);
    if (index === undefined) throw new Error(`unreachable: pinned ${node.podCIDR} outside the pod range`);
    taken.add(index);
    return { cidr, source: "pinned" };
  });

  const previousByName = new Map((previous?.nodes ?? []).map((node) => [node.name, node.podCIDR]));
  spec.nodes.forEach((node, position) => {
    if (result[position]) return;
    const text = previousByName.get(node.name);
    const parsed = text === undefined ? undefined : parseCidr(text);
    if (!parsed?.ok || parsed.cidr.prefix !== prefix) return;
    const index = subnetIndex(podRange, parsed.cidr);
    if (index === undefined || taken.has(index)) return;
    taken.add(index);
    result[position] = { cidr: parsed.cidr, source: "previous" };
  });

  // New ranges avoid every range of the previous plan (a removed node's pods, or a node that moved
  // to a pinned range, may still hold those addresses) unless nothing else is left.
  const previouslyUsed = new Set<bigint>();
  for (const text of previousByName.values()) {
    const parsed = parseCidr(text);
    const index = parsed.ok && parsed.cidr.prefix === prefix ? subnetIndex(podRange, parsed.cidr) : undefined;
    if (index !== undefined) previouslyUsed.add(index);
  }
  const capacity = subnetCount(podRange, prefix);
  let fresh = 0n;
  let any = 0n;
  const next = (): bigint => {
    while (fresh < capacity && (taken.has(fresh) || previouslyUsed.has(fresh))) fresh++;
    if (fresh < capacity) return fresh;
    while (taken.has(any)) any++;
    if (any >= capacity) throw new Error("unreachable: validation guarantees a range per node");
    return any;
  };
  return result.map((entry) => {
    if (entry) return entry;
    const index = next();
    taken.add(index);
    return { cidr: subnetAt(podRange, prefix, index), source: "allocated" as const };
  });
}

/** Plans a validated spec. Pure and deterministic: the same inputs give the same plan. */
export function planCluster(spec: ClusterSpec, options: PlanOptions = {}): ClusterPlan {
  const version = resolveKubernetesVersion(spec.kubernetesVersion);
  if (!version)
    throw new Error(`unreachable: ${spec.kubernetesVersion} passed validation but is unsupported`);
  const profile = versionProfile(version);
  const podRange = mustCidr(spec.network.podCIDR);
  const serviceRange = mustCidr(spec.network.serviceCIDR);
  const ranges = allocatePodRanges(spec, podRange, options.previous);

  const nodes: NodePlan[] = spec.nodes.map((node, position) => {
    const range = ranges[position];
    if (!range) throw new Error("unreachable: every node has a range");
    const bridgeIP = formatIp(addressAt(range.cidr, 1n), range.cidr.family);
    return {
      name: node.name,
      ip: mustIp(node.ip),
      roles: [...node.roles],
      labels: { ...node.labels },
      podCIDR: formatCidr(range.cidr),
      podCIDRSource: range.source,
      bridgeIP,
      bridgeAddress: `${bridgeIP}/${range.cidr.prefix}`,
    };
  });

  const masterIP = spec.controlPlane.masterIP;
  const port = spec.controlPlane.apiserverPort;
  const endpoint = spec.controlPlane.endpoint;
  const apiserverURL =
    endpoint !== undefined
      ? `https://${hostPort(endpoint.host, endpoint.port)}`
      : spec.security.mode === "https" || profile.apiserverInsecurePort === undefined
        ? `https://${hostPort(masterIP, port)}`
        : `http://${hostPort(masterIP, profile.apiserverInsecurePort)}`;
  const etcdMembers = nodes
    .filter((node) => node.roles.includes("etcd"))
    .map((node) => ({
      name: node.name,
      ip: node.ip,
      clientURL: `${profile.etcd.scheme}://${hostPort(node.ip, profile.etcd.clientPort)}`,
      peerURL: `${profile.etcd.scheme}://${hostPort(node.ip, profile.etcd.peerPort)}`,
    }));
  const serviceSize = cidrSize(serviceRange);

  return {
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "ClusterPlan",
    clusterName: spec.name,
    profile,
    security: {
      mode: spec.security.mode,
      credentialLayout: spec.security.credentialLayout,
      keyAlgorithm: spec.security.keyAlgorithm,
    },
    controlPlane: {
      masterIP,
      apiserverPort: port,
      apiserverURL,
      ...(endpoint === undefined
        ? {}
        : { endpoint: { host: endpoint.host, port: endpoint.port, loadBalancer: endpoint.loadBalancer } }),
      nodes: nodes.filter((node) => node.roles.includes("control-plane")).map((node) => node.name),
    },
    network: {
      mode: spec.network.mode,
      ...(spec.network.mode === "overlay" ? { overlay: spec.network.overlay } : {}),
      podCIDR: formatCidr(podRange),
      nodePodCIDRPrefix: spec.network.nodePodCIDRPrefix,
      nodeCIDRCapacity: safeNumber(subnetCount(podRange, spec.network.nodePodCIDRPrefix)),
      podAddressesPerNode: safeNumber(podAddressesPerRange(podRange.family, spec.network.nodePodCIDRPrefix)),
      maxPodsPerNode: spec.network.maxPodsPerNode,
      serviceCIDR: formatCidr(serviceRange),
      serviceCapacity: safeNumber(serviceRange.family === "ipv4" ? serviceSize - 2n : serviceSize - 1n),
      kubernetesServiceIP: formatIp(addressAt(serviceRange, 1n), serviceRange.family),
      dnsServiceIP: spec.network.dnsServiceIP,
      clusterDomain: spec.network.clusterDomain,
      mtu: spec.network.mtu,
      masquerade: spec.network.masquerade,
      bridge: { ...spec.network.bridge },
    },
    etcd: { dataDir: spec.etcd.dataDir, members: etcdMembers },
    nodes,
  };
}
