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
  familyValues,
  parseIp,
  type Cidr,
  type IpFamily,
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
  /** A dual-stack cluster's other family: the node's address, pod range and bridge address of it. */
  readonly secondary?: NodeFamilyPlan;
}

/** One address family's part of a node in a dual-stack cluster. */
export interface NodeFamilyPlan {
  readonly family: IpFamily;
  readonly ip: string;
  readonly podCIDR: string;
  readonly podCIDRSource: "pinned" | "previous" | "allocated";
  readonly bridgeIP: string;
  readonly bridgeAddress: string;
}

/** One address family's ranges: the cluster's only one, or each of a dual-stack cluster's two. */
export interface NetworkFamilyPlan {
  readonly family: IpFamily;
  readonly podCIDR: string;
  readonly nodePodCIDRPrefix: number;
  /** How many node ranges the pod range holds (capped at Number.MAX_SAFE_INTEGER). */
  readonly nodeCIDRCapacity: number;
  /** Pod addresses in each node range, after network, broadcast and bridge addresses. */
  readonly podAddressesPerNode: number;
  readonly serviceCIDR: string;
  /** Addresses services can use: the range less its network and broadcast addresses. */
  readonly serviceCapacity: number;
  /** The first address of the service range (the `kubernetes` service's, in the primary family). */
  readonly kubernetesServiceIP: string;
  /** The cluster DNS service's address of this family. */
  readonly dnsServiceIP: string;
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
    /** The address families, the primary first: one, or two for a dual-stack cluster. */
    readonly families: readonly IpFamily[];
    /** A dual-stack cluster's other family; the fields below are the primary family's. */
    readonly secondary?: NetworkFamilyPlan;
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

/** What a previous plan contributes: each node's pod ranges, so regeneration keeps them. */
export interface PreviousAllocation {
  readonly nodes: readonly {
    readonly name: string;
    readonly podCIDR: string;
    /** The other family's range of a dual-stack node. */
    readonly secondaryPodCIDR?: string;
  }[];
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
  prefix: number,
  previous: PreviousAllocation | undefined,
): { cidr: Cidr; source: NodePlan["podCIDRSource"] }[] {
  const family = podRange.family;
  const ofFamily = (text: string): Cidr | undefined => {
    const parsed = parseCidr(text);
    return parsed.ok && parsed.cidr.family === family ? parsed.cidr : undefined;
  };
  const taken = new Set<bigint>();
  const result: ({ cidr: Cidr; source: NodePlan["podCIDRSource"] } | undefined)[] = spec.nodes.map((node) => {
    const pinned = familyValues(node.podCIDR ?? []).find((text) => ofFamily(text) !== undefined);
    if (pinned === undefined) return undefined;
    const cidr = mustCidr(pinned);
    const index = subnetIndex(podRange, cidr);
    if (index === undefined) throw new Error(`unreachable: pinned ${pinned} outside the pod range`);
    taken.add(index);
    return { cidr, source: "pinned" };
  });

  // The previous plan's range of this family, whichever family was primary then.
  const previousByName = new Map<string, string>();
  for (const node of previous?.nodes ?? []) {
    const text = [node.podCIDR, node.secondaryPodCIDR].find(
      (candidate) => candidate !== undefined && ofFamily(candidate) !== undefined,
    );
    if (text !== undefined) previousByName.set(node.name, text);
  }
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

/** The pod ranges, the primary family's first: one, or two in a dual-stack cluster (flags join them with ","). */
export function podRanges(plan: Pick<ClusterPlan, "network">): string[] {
  return networkFamilies(plan).map((part) => part.podCIDR);
}

/** The cluster's part of each family, the primary first: one, or two in a dual-stack cluster. */
export function networkFamilies(plan: Pick<ClusterPlan, "network">): NetworkFamilyPlan[] {
  const network = plan.network;
  const primary: NetworkFamilyPlan = {
    family: network.families[0] ?? "ipv4",
    podCIDR: network.podCIDR,
    nodePodCIDRPrefix: network.nodePodCIDRPrefix,
    nodeCIDRCapacity: network.nodeCIDRCapacity,
    podAddressesPerNode: network.podAddressesPerNode,
    serviceCIDR: network.serviceCIDR,
    serviceCapacity: network.serviceCapacity,
    kubernetesServiceIP: network.kubernetesServiceIP,
    dnsServiceIP: network.dnsServiceIP,
  };
  return network.secondary === undefined ? [primary] : [primary, network.secondary];
}

/** A node's part of each family, the primary first: one, or two on a dual-stack node. */
export function nodeFamilies(node: NodePlan): NodeFamilyPlan[] {
  const primary: NodeFamilyPlan = {
    family: parseIp(node.ip)?.family ?? "ipv4",
    ip: node.ip,
    podCIDR: node.podCIDR,
    podCIDRSource: node.podCIDRSource,
    bridgeIP: node.bridgeIP,
    bridgeAddress: node.bridgeAddress,
  };
  return node.secondary === undefined ? [primary] : [primary, node.secondary];
}

/** The service ranges, the primary family's first. */
export function serviceRanges(plan: Pick<ClusterPlan, "network">): string[] {
  return networkFamilies(plan).map((part) => part.serviceCIDR);
}

/** Plans a validated spec. Pure and deterministic: the same inputs give the same plan. */
export function planCluster(spec: ClusterSpec, options: PlanOptions = {}): ClusterPlan {
  const version = resolveKubernetesVersion(spec.kubernetesVersion);
  if (!version)
    throw new Error(`unreachable: ${spec.kubernetesVersion} passed validation but is unsupported`);
  const profile = versionProfile(version);
  const podRanges = familyValues(spec.network.podCIDR).map(mustCidr);
  const serviceRanges = familyValues(spec.network.serviceCIDR).map(mustCidr);
  const [podRange, secondaryPodRange] = podRanges;
  const [serviceRange, secondaryServiceRange] = serviceRanges;
  if (!podRange || !serviceRange)
    throw new Error("unreachable: the schema requires a pod and a service range");
  const prefixSetting = spec.network.nodePodCIDRPrefix;
  const prefixOf = (family: IpFamily): number =>
    typeof prefixSetting === "number" ? prefixSetting : prefixSetting[family];
  const nodeParts = podRanges.map((range) => {
    const allocated = allocatePodRanges(spec, range, prefixOf(range.family), options.previous);
    return spec.nodes.map((node, position): NodeFamilyPlan => {
      const allocation = allocated[position];
      if (!allocation) throw new Error("unreachable: every node has a range");
      const ip = familyValues(node.ip)
        .map(mustIp)
        .find((candidate) => parseIp(candidate)?.family === range.family);
      if (ip === undefined) throw new Error(`unreachable: ${node.name} has no ${range.family} address`);
      const bridgeIP = formatIp(addressAt(allocation.cidr, 1n), allocation.cidr.family);
      return {
        family: range.family,
        ip,
        podCIDR: formatCidr(allocation.cidr),
        podCIDRSource: allocation.source,
        bridgeIP,
        bridgeAddress: `${bridgeIP}/${allocation.cidr.prefix}`,
      };
    });
  });

  const nodes: NodePlan[] = spec.nodes.map((node, position) => {
    const primary = nodeParts[0]?.[position];
    if (!primary) throw new Error("unreachable: every node has a primary range");
    const secondary = nodeParts[1]?.[position];
    return {
      name: node.name,
      ip: primary.ip,
      roles: [...node.roles],
      labels: { ...node.labels },
      podCIDR: primary.podCIDR,
      podCIDRSource: primary.podCIDRSource,
      bridgeIP: primary.bridgeIP,
      bridgeAddress: primary.bridgeAddress,
      ...(secondary === undefined ? {} : { secondary }),
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
  const familyPlan = (pods: Cidr, services: Cidr, dnsServiceIP: string): NetworkFamilyPlan => {
    const prefix = prefixOf(pods.family);
    const size = cidrSize(services);
    return {
      family: pods.family,
      podCIDR: formatCidr(pods),
      nodePodCIDRPrefix: prefix,
      nodeCIDRCapacity: safeNumber(subnetCount(pods, prefix)),
      podAddressesPerNode: safeNumber(podAddressesPerRange(pods.family, prefix)),
      serviceCIDR: formatCidr(services),
      serviceCapacity: safeNumber(services.family === "ipv4" ? size - 2n : size - 1n),
      kubernetesServiceIP: formatIp(addressAt(services, 1n), services.family),
      dnsServiceIP,
    };
  };
  const primaryNetwork = familyPlan(podRange, serviceRange, spec.network.dnsServiceIP);
  const secondaryNetwork =
    secondaryPodRange === undefined || secondaryServiceRange === undefined
      ? undefined
      : familyPlan(
          secondaryPodRange,
          secondaryServiceRange,
          // The tenth address, as the primary family's default.
          formatIp(addressAt(secondaryServiceRange, 10n), secondaryServiceRange.family),
        );

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
      families:
        secondaryNetwork === undefined ? [podRange.family] : [podRange.family, secondaryNetwork.family],
      ...(secondaryNetwork === undefined ? {} : { secondary: secondaryNetwork }),
      mode: spec.network.mode,
      ...(spec.network.mode === "overlay" ? { overlay: spec.network.overlay } : {}),
      podCIDR: primaryNetwork.podCIDR,
      nodePodCIDRPrefix: primaryNetwork.nodePodCIDRPrefix,
      nodeCIDRCapacity: primaryNetwork.nodeCIDRCapacity,
      podAddressesPerNode: primaryNetwork.podAddressesPerNode,
      maxPodsPerNode: spec.network.maxPodsPerNode,
      serviceCIDR: primaryNetwork.serviceCIDR,
      serviceCapacity: primaryNetwork.serviceCapacity,
      kubernetesServiceIP: primaryNetwork.kubernetesServiceIP,
      dnsServiceIP: primaryNetwork.dnsServiceIP,
      clusterDomain: spec.network.clusterDomain,
      mtu: spec.network.mtu,
      masquerade: spec.network.masquerade,
      bridge: { ...spec.network.bridge },
    },
    etcd: { dataDir: spec.etcd.dataDir, members: etcdMembers },
    nodes,
  };
}
