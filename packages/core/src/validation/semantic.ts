// Checks that need more than one field or real address arithmetic; they run after the schema has
// passed and its defaults are in place, and collect every problem instead of stopping at the first.
import {
  cidrContains,
  cidrSize,
  cidrsOverlap,
  familyBits,
  familyName,
  formatCidr,
  nodeAddressProblem,
  parseCidr,
  parseIp,
  primaryValue,
  podAddressesPerRange,
  reservedPerNodeRange,
  subnetCount,
  type Cidr,
  type IpFamily,
} from "../net/ip.js";
import { LEGACY_RELEASE_FACTS } from "../versions/generated/release-facts.js";
import { insideWindow, supportedVersionsText, type KubernetesVersion } from "../versions/kubernetes.js";
import { defaultEndpointPort, OPTION_WINDOWS, type SpecWithStaticDefaults } from "./compatibility.js";
import { pointerOf, type SpecIssue } from "./errors.js";
import { adminKubeconfigPath } from "../artifact.js";

export interface SemanticResult {
  readonly errors: SpecIssue[];
  readonly warnings: SpecIssue[];
}

/** Ports that the generated cluster already uses, by era, so the apiserver port cannot collide. */
const RESERVED_PORTS: Readonly<Record<KubernetesVersion["era"], Readonly<Record<number, string>>>> = {
  legacy: {
    4001: "etcd's client port",
    7001: "etcd's peer port",
    8080: "the apiserver's local insecure port",
    10250: "the kubelet",
    10251: "the scheduler's health port",
    10252: "the controller-manager's health port",
  },
  current: {
    2379: "etcd's client port",
    2380: "etcd's peer port",
    2381: "etcd's metrics port",
    10250: "the kubelet",
    10256: "kube-proxy's health port",
    10257: "the controller-manager's secure port",
    10259: "the scheduler's secure port",
  },
};

/** The Kubernetes versions whose apiserver keeps service IPs in a bitmap of at most 2^20 addresses. */
const SERVICE_RANGE_BITMAP = { until: 34 };

export function semanticIssues(
  spec: SpecWithStaticDefaults,
  version: KubernetesVersion | undefined,
): SemanticResult {
  const errors: SpecIssue[] = [];
  const warnings: SpecIssue[] = [];
  const error = (pointer: string, message: string, fix: string): void => {
    errors.push({ severity: "error", pointer, message, fix });
  };
  const warn = (pointer: string, message: string, fix: string): void => {
    warnings.push({ severity: "warning", pointer, message, fix });
  };

  if (!version) {
    error(
      "/kubernetesVersion",
      `Kubernetes ${spec.kubernetesVersion} is not supported.`,
      `Use ${supportedVersionsText()}, e.g. kubernetesVersion: "1.34".`,
    );
  } else {
    for (const window of OPTION_WINDOWS) {
      if (window.selected(spec) && !insideWindow(window, version)) {
        error(
          window.pointer,
          `${window.option} cannot be used with Kubernetes ${version.minor}: ${window.reason}.`,
          window.alternative,
        );
      }
    }
  }

  // --- addresses -------------------------------------------------------------------------------
  /** The address family of every address field, with the text as written, by pointer. */
  const families = new Map<string, IpFamily>();
  const texts = new Map<string, string>();
  const cidrField = (pointer: string, text: string, what: string): Cidr | undefined => {
    const parsed = parseCidr(text);
    if (parsed.ok) {
      families.set(pointer, parsed.cidr.family);
      texts.set(pointer, text);
      return parsed.cidr;
    }
    if (parsed.reason === "host-bits") {
      error(
        pointer,
        `${JSON.stringify(text)} has host bits set: ${what} must start at its network address.`,
        `Write ${parsed.network}.`,
      );
    } else {
      error(
        pointer,
        `${JSON.stringify(text)} is not a CIDR range.`,
        `Write ${what} as address/prefix-length, e.g. 10.10.0.0/16.`,
      );
    }
    return undefined;
  };
  const ipField = (pointer: string, text: string, what: string): bigint | undefined => {
    const parsed = parseIp(text);
    if (parsed) {
      families.set(pointer, parsed.family);
      texts.set(pointer, text);
      return parsed.value;
    }
    error(
      pointer,
      `${JSON.stringify(text)} is not an IP address.`,
      `Write ${what} as a plain address without a prefix, e.g. 192.168.1.10.`,
    );
    return undefined;
  };

  /** A field that holds one value or, in a dual-stack cluster, one per family: its entries' pointers. */
  const entriesOf = (
    pointer: string,
    value: string | readonly string[],
  ): { pointer: string; text: string }[] =>
    typeof value === "string"
      ? [{ pointer, text: value }]
      : value.map((text, index) => ({ pointer: `${pointer}/${index}`, text }));
  const podEntries = entriesOf("/network/podCIDR", spec.network.podCIDR);
  const serviceEntries = entriesOf("/network/serviceCIDR", spec.network.serviceCIDR);
  const podRanges = podEntries.map((entry) => cidrField(entry.pointer, entry.text, "the pod range"));
  const serviceRanges = serviceEntries.map((entry) =>
    cidrField(entry.pointer, entry.text, "the service range"),
  );
  const nodeIpEntries = spec.nodes.map((node, index) => entriesOf(pointerOf("nodes", index, "ip"), node.ip));
  const nodeIpValues = nodeIpEntries.map((entries) =>
    entries.map((entry) => ipField(entry.pointer, entry.text, "the node's IP")),
  );
  const pinnedEntries = spec.nodes.map((node, index) =>
    node.podCIDR === undefined ? [] : entriesOf(pointerOf("nodes", index, "podCIDR"), node.podCIDR),
  );
  const pinned = pinnedEntries.map((entries) =>
    entries.map((entry) => cidrField(entry.pointer, entry.text, "a node's pod range")),
  );
  // The primary family's values: what every single-valued field (masterIP, endpoint, DNS) belongs to.
  const podRange = podRanges[0];
  const serviceRange = serviceRanges[0];
  const nodeIps = nodeIpValues.map((values) => values[0]);
  const masterIp =
    spec.controlPlane.masterIP === undefined
      ? undefined
      : ipField("/controlPlane/masterIP", spec.controlPlane.masterIP, "the master IP");
  const endpoint = spec.controlPlane.endpoint;
  // A host that reads as an address is one (and joins the family check); anything else is a DNS name.
  const endpointIp =
    endpoint !== undefined && parseIp(endpoint.host) !== undefined
      ? ipField("/controlPlane/endpoint/host", endpoint.host, "the endpoint")
      : undefined;
  const dnsIp =
    spec.network.dnsServiceIP === undefined
      ? undefined
      : ipField("/network/dnsServiceIP", spec.network.dnsServiceIP, "the DNS service IP");

  // Two entries in one field are one per family.
  for (const entries of [podEntries, serviceEntries, ...nodeIpEntries, ...pinnedEntries]) {
    const [first, second] = entries;
    const firstFamily = first && families.get(first.pointer);
    if (second && firstFamily && families.get(second.pointer) === firstFamily) {
      error(
        second.pointer,
        `${first.text} and ${second.text} are both ${familyName(firstFamily)}: a dual-stack cluster has one range or address of each family.`,
        `Make one of them ${familyName(firstFamily === "ipv4" ? "ipv6" : "ipv4")}, or list only one.`,
      );
    }
  }
  const listed = [podEntries, serviceEntries, ...nodeIpEntries];
  const dualStack = listed.some(
    (entries) =>
      entries.length === 2 &&
      entries.every((entry) => families.has(entry.pointer)) &&
      new Set(entries.map((entry) => families.get(entry.pointer))).size === 2,
  );
  const familyEntries = [...families.entries()];
  const ipv6 = familyEntries.filter(([, family]) => family === "ipv6");
  if (version?.era === "legacy" && dualStack) {
    const first = listed.find((entries) => entries.length === 2)?.[0];
    error(
      first?.pointer.replace(/\/0$/, "") ?? "/network/podCIDR",
      `Kubernetes ${version.minor} has one address family, IPv4: dual-stack clusters came with Kubernetes 1.21 and are GA since 1.23.`,
      "List one IPv4 range or address in each field, or use a current Kubernetes version.",
    );
  } else if (version?.era === "legacy" && ipv6.length > 0) {
    // The seed's Kubernetes has no IPv6 at all.
    for (const [pointer] of ipv6) {
      error(
        pointer,
        `IPv6 is not supported by Kubernetes ${version.minor}.`,
        "Use IPv4 addresses and ranges, or a current Kubernetes version.",
      );
    }
  } else if (dualStack) {
    const primaryEntry = podEntries[0] ?? serviceEntries[0];
    const primary = primaryEntry && families.get(primaryEntry.pointer);
    if (primary) {
      const secondary: IpFamily = primary === "ipv4" ? "ipv6" : "ipv4";
      const example: Record<string, string> = {
        "/network/podCIDR": primary === "ipv4" ? "[10.10.0.0/16, fd10::/56]" : "[fd10::/56, 10.10.0.0/16]",
        "/network/serviceCIDR":
          primary === "ipv4" ? "[10.0.0.0/16, fd00:10::/108]" : "[fd00:10::/108, 10.0.0.0/16]",
      };
      const what = (pointer: string): string =>
        pointer.startsWith("/network/podCIDR")
          ? "the pod range"
          : pointer.startsWith("/network/serviceCIDR")
            ? "the service range"
            : "the node's IP";
      for (const entries of listed) {
        const [first] = entries;
        if (!first) continue;
        const base = entries.length === 1 ? first.pointer : first.pointer.replace(/\/0$/, "");
        const firstFamily = families.get(first.pointer);
        if (entries.length === 1) {
          error(
            base,
            `the cluster is dual-stack, but ${what(base)} ${first.text} is ${firstFamily ? familyName(firstFamily) : "one family"} only: pods, services and every node need an address of each family.`,
            `List one of each, ${familyName(primary)} first, e.g. ${example[base] ?? `ip: [${firstFamily === primary ? `${first.text}, its ${familyName(secondary)} address` : `its ${familyName(primary)} address, ${first.text}`}]`}.`,
          );
        } else if (firstFamily && firstFamily !== primary) {
          error(
            first.pointer,
            `${first.text} is ${familyName(firstFamily)}, but the cluster's primary family is ${familyName(primary)} (the first entry of network.podCIDR); the first entry of every list is the primary family.`,
            `List the ${familyName(primary)} entry first.`,
          );
        }
      }
      for (const [pointer, what] of [
        ["/controlPlane/masterIP", "the master IP"],
        ["/controlPlane/endpoint/host", "the endpoint"],
        ["/network/dnsServiceIP", "the DNS service IP"],
      ] as const) {
        if (families.get(pointer) === secondary) {
          error(
            pointer,
            `${texts.get(pointer) ?? ""} is ${familyName(secondary)}, but ${what} belongs to the cluster's primary family, ${familyName(primary)} (the first entry of network.podCIDR).`,
            `Use an ${familyName(primary)} address here, or list ${familyName(secondary)} first everywhere to make it the primary family.`,
          );
        }
      }
    }
  } else if (ipv6.length > 0 && ipv6.length < familyEntries.length) {
    const majority: IpFamily = ipv6.length * 2 > familyEntries.length ? "ipv6" : "ipv4";
    for (const [pointer, family] of familyEntries) {
      if (family !== majority) {
        error(
          pointer,
          `${texts.get(pointer) ?? ""} is ${familyName(family)} while the rest of the cluster is ${familyName(majority)}.`,
          `Use ${familyName(majority)} addresses and ranges throughout, or list an address or range of each family in network.podCIDR, network.serviceCIDR and every node's ip for a dual-stack cluster.`,
        );
      }
    }
  }

  if (version?.era === "current" && spec.network.mode === "overlay") {
    if (spec.network.overlay === "weave" && ipv6.length > 0) {
      // weave's address allocator holds addresses as 32-bit numbers (net/address in weave 2.8.1).
      error(
        "/network/overlay",
        `weave Net is IPv4 only: its address allocator refuses ${dualStack ? "the IPv6 pod range" : "an IPv6 pod range"} ("Non-IPv4 address not supported"), so it cannot carry ${dualStack ? "a dual-stack" : "an IPv6"} cluster's pods.`,
        `Use network.overlay "flannel" (its vxlan backend carries both families) or network.mode "routed"${dualStack ? "" : ", or IPv4 ranges and addresses with weave"}.`,
      );
    } else if (spec.network.overlay === "openvswitch" && dualStack) {
      error(
        "/network/overlay",
        "kubescratch's Open vSwitch files tunnel and route one address family (the nodes' primary addresses and pod range), so they cannot carry a dual-stack cluster's pods.",
        'Use network.overlay "flannel" (its vxlan backend carries both families) or network.mode "routed", or one address family with Open vSwitch.',
      );
    }
  }

  // The node range sizes: one per family. A number is the size of a single-stack cluster's ranges.
  const prefixSetting = spec.network.nodePodCIDRPrefix;
  const nodePrefix = (family: IpFamily): { prefix: number; pointer: string } | undefined => {
    if (prefixSetting === undefined)
      return { prefix: family === "ipv4" ? 24 : 64, pointer: "/network/nodePodCIDRPrefix" };
    if (typeof prefixSetting === "number")
      return dualStack ? undefined : { prefix: prefixSetting, pointer: "/network/nodePodCIDRPrefix" };
    return { prefix: prefixSetting[family], pointer: `/network/nodePodCIDRPrefix/${family}` };
  };
  if (dualStack && typeof prefixSetting === "number") {
    error(
      "/network/nodePodCIDRPrefix",
      `${prefixSetting} is one size, but a dual-stack cluster splits two pod ranges, one of each family.`,
      `Give one size per family, e.g. nodePodCIDRPrefix: {ipv4: ${prefixSetting <= 32 ? prefixSetting : 24}, ipv6: 64}, or leave it out for 24 and 64.`,
    );
  }
  for (const range of podRanges) {
    if (!range) continue;
    const setting = nodePrefix(range.family);
    if (!setting) continue;
    const { prefix, pointer: prefixPointer } = setting;
    const bits = familyBits(range.family);
    const podPointer =
      podEntries.length === 1 ? "/network/podCIDR" : `/network/podCIDR/${podRanges.indexOf(range)}`;
    if (prefix > bits) {
      error(
        prefixPointer,
        `/${prefix} is longer than an ${familyName(range.family)} address (${bits} bits).`,
        `Use a prefix from ${range.prefix} to ${bits}, e.g. ${range.family === "ipv4" ? 24 : 64}.`,
      );
    } else if (prefix < range.prefix) {
      error(
        prefixPointer,
        `a node's range (/${prefix}) cannot be larger than the pod range ${formatCidr(range)}.`,
        `Use a prefix of at least ${range.prefix}, e.g. ${Math.min(bits, Math.max(range.prefix, range.family === "ipv4" ? 24 : 64))}.`,
      );
    } else {
      // pkg/controller/nodeipam/ipam/cidrset refuses an IPv6 cluster range split more than 2^16 ways
      // (clusterSubnetMaxDiff), but only when the controller-manager allocates node ranges: current
      // clusters get their ranges from the plan (the Node objects carry them, --allocate-node-cidrs
      // is false), so a /40 split into /64s is fine here.
      const perNode = podAddressesPerRange(range.family, prefix);
      if (perNode < BigInt(spec.network.maxPodsPerNode)) {
        const needed = spec.network.maxPodsPerNode + reservedPerNodeRange(range.family);
        const fitting = bits - Math.ceil(Math.log2(needed));
        error(
          prefixPointer,
          `a /${prefix} per node leaves ${perNode} pod addresses, fewer than maxPodsPerNode (${spec.network.maxPodsPerNode}) plus network, broadcast and bridge addresses.`,
          `Use ${prefixPointer.slice("/network/".length).replace("/", ".")} ${fitting} or shorter, or lower network.maxPodsPerNode to ${perNode}.`,
        );
      }
      const available = subnetCount(range, prefix);
      if (available < BigInt(spec.nodes.length)) {
        error(
          podPointer,
          `${formatCidr(range)} holds ${available} node ranges of /${prefix}, fewer than the ${spec.nodes.length} nodes.`,
          `Use a larger pod range (a shorter prefix than /${range.prefix}) or a longer nodePodCIDRPrefix.`,
        );
      }
    }
  }

  serviceRanges.forEach((range, index) => {
    if (!range) return;
    const pointer = serviceEntries[index]?.pointer ?? "/network/serviceCIDR";
    const pods = podRanges.find((candidate) => candidate?.family === range.family);
    if (pods && cidrsOverlap(pods, range)) {
      error(
        pointer,
        `${formatCidr(range)} overlaps the pod range ${formatCidr(pods)}.`,
        "Choose ranges that do not overlap, e.g. podCIDR 10.10.0.0/16 and serviceCIDR 10.0.0.0/16.",
      );
    }
    // cmd/kube-apiserver/app/options/validation.go: maxCIDRBits = 20 for --service-cluster-ip-range,
    // checked unless MultiCIDRServiceAllocator and DisableAllocatorDualWrite are both on: both are
    // on by default from 1.34 (pkg/features/kube_features.go), where IPAddress objects replace the bitmap.
    if (
      version?.era === "current" &&
      insideWindow(SERVICE_RANGE_BITMAP, version) &&
      familyBits(range.family) - range.prefix > 20
    ) {
      error(
        pointer,
        `${formatCidr(range)} is too large: the apiserver of Kubernetes ${version.minor} refuses a service range with more than 20 host bits (a prefix shorter than /${familyBits(range.family) - 20}).`,
        `Use /${familyBits(range.family) - 20} or a longer prefix, e.g. 10.96.0.0/12 (IPv4) or fd00:10:96::/108 (IPv6), or Kubernetes 1.34 or later.`,
      );
    }
    if (cidrSize(range) < 16n) {
      error(
        pointer,
        `${formatCidr(range)} is too small: the kubernetes service takes its first address and DNS its tenth.`,
        "Use a range of at least 16 addresses (a /28 or shorter prefix), e.g. 10.0.0.0/16.",
      );
    }
  });

  // --- nodes ---------------------------------------------------------------------------------------
  const firstByName = new Map<string, number>();
  const firstByIp = new Map<string, number>();
  spec.nodes.forEach((node, index) => {
    for (const key of Object.keys(node.labels ?? {})) {
      const owner = RESERVED_NODE_LABELS[key];
      if (owner !== undefined)
        error(
          pointerOf("nodes", index, "labels", key),
          `the label ${key} is set by ${owner}; given here it would contradict or replace that value.`,
          key === "node-role.kubernetes.io/control-plane"
            ? 'Remove the label: a node with the "control-plane" role gets it.'
            : "Remove the label: its owner sets it on every node.",
        );
    }
    const earlier = firstByName.get(node.name);
    if (earlier !== undefined) {
      error(
        pointerOf("nodes", index, "name"),
        `node name "${node.name}" is already used by /nodes/${earlier}.`,
        "Give every node a unique name.",
      );
    } else {
      firstByName.set(node.name, index);
    }
    nodeIpEntries[index]?.forEach((entry, position) => {
      const ip = nodeIpValues[index]?.[position];
      const family = families.get(entry.pointer);
      if (ip === undefined || family === undefined) return;
      const unusable = nodeAddressProblem(entry.text);
      if (unusable !== undefined) {
        error(
          entry.pointer,
          `${entry.text} is ${unusable}, which the kubelet refuses as a node IP.`,
          "Use the address the node has on the network the nodes share, e.g. 192.168.1.10.",
        );
      }
      const key = `${family} ${ip}`;
      const sameIp = firstByIp.get(key);
      if (sameIp !== undefined) {
        error(
          entry.pointer,
          `${entry.text} is already the IP of /nodes/${sameIp}.`,
          "Give every node its own IP address.",
        );
      } else {
        firstByIp.set(key, index);
      }
      for (const [ranges, what] of [
        [podRanges, "pod"],
        [serviceRanges, "service"],
      ] as const) {
        const range = ranges.find((candidate) => candidate?.family === family);
        if (range && cidrContains(range, family, ip)) {
          error(
            entry.pointer,
            `${entry.text} lies inside the ${what} range ${formatCidr(range)}.`,
            `Move the ${what} range away from the node network, or fix the node's IP.`,
          );
        }
      }
    });
  });

  const pinnedAt = new Map<string, number>();
  pinned.forEach((cidrs, index) => {
    cidrs.forEach((cidr, position) => {
      if (!cidr) return;
      const pointer = pinnedEntries[index]?.[position]?.pointer ?? pointerOf("nodes", index, "podCIDR");
      const text = formatCidr(cidr);
      const range = podRanges.find((candidate) => candidate?.family === cidr.family);
      if (!range) {
        if (podRanges.every((candidate) => candidate !== undefined))
          error(
            pointer,
            `${text} is ${familyName(cidr.family)}, but network.podCIDR has no ${familyName(cidr.family)} range.`,
            "Pin a range from network.podCIDR, or leave podCIDR out to have one allocated.",
          );
        return;
      }
      if (!(cidrContains(range, cidr.family, cidr.network) && cidr.prefix >= range.prefix)) {
        error(
          pointer,
          `${text} is not inside the pod range ${formatCidr(range)}.`,
          "Pin a range from network.podCIDR, or leave podCIDR out to have one allocated.",
        );
        return;
      }
      const expected = nodePrefix(cidr.family);
      if (expected && cidr.prefix !== expected.prefix) {
        const setting = expected.pointer.slice("/network/".length).replace("/", ".");
        error(
          pointer,
          `${text} is a /${cidr.prefix}, but node ranges are /${expected.prefix} (network.${setting}).`,
          `Pin a /${expected.prefix}, or leave podCIDR out.`,
        );
        return;
      }
      const other = pinnedAt.get(text);
      if (other !== undefined) {
        error(pointer, `${text} is already pinned by /nodes/${other}.`, "Give every node its own pod range.");
      } else {
        pinnedAt.set(text, index);
      }
    });
  });

  const controlPlanes = spec.nodes.filter((node) => node.roles.includes("control-plane"));
  const etcdMembers = spec.nodes.filter((node) => node.roles.includes("etcd"));
  if (controlPlanes.length === 0) {
    error(
      "/nodes",
      "no node has the control-plane role.",
      'Add "control-plane" to the roles of the node at the master IP.',
    );
  }
  if (etcdMembers.length === 0) {
    error(
      "/nodes",
      "no node has the etcd role.",
      'Add "etcd" to the roles of one node (or of 3 or 5 nodes for a replicated etcd).',
    );
  } else if (etcdMembers.length > 5) {
    error(
      "/nodes",
      `${etcdMembers.length} nodes have the etcd role; more than 5 members slow every write without adding useful fault tolerance.`,
      'Keep the "etcd" role on 1, 3 or 5 nodes.',
    );
  } else if (etcdMembers.length % 2 === 0) {
    warn(
      "/nodes",
      `${etcdMembers.length} etcd members tolerate no more failures than ${etcdMembers.length - 1}, and need a larger quorum.`,
      'Use 1, 3 or 5 nodes with the "etcd" role.',
    );
  }
  if (!spec.nodes.some((node) => node.roles.includes("worker"))) {
    warn(
      "/nodes",
      "no node has the worker role, so ordinary pods have nowhere to run.",
      'Add "worker" to the roles of at least one node.',
    );
  }
  if (spec.nodes.length < 4) {
    warn(
      "/nodes",
      `the cluster has ${spec.nodes.length} ${spec.nodes.length === 1 ? "node" : "nodes"}; the guide recommends at least 4.`,
      "Add nodes for room to schedule and to survive a node failure.",
    );
  }

  if (masterIp !== undefined) {
    const master = spec.nodes.findIndex((node, index) => nodeIps[index] === masterIp);
    if (master < 0) {
      error(
        "/controlPlane/masterIP",
        `${spec.controlPlane.masterIP ?? ""} is not the IP of any node.`,
        "Use the IP of a node with the control-plane role.",
      );
    } else if (!spec.nodes[master]?.roles.includes("control-plane")) {
      error(
        "/controlPlane/masterIP",
        `${spec.controlPlane.masterIP ?? ""} belongs to node "${spec.nodes[master]?.name ?? ""}", which has no control-plane role.`,
        'Use the IP of a control-plane node, or add "control-plane" to that node\'s roles.',
      );
    }
  }

  if (endpoint !== undefined) {
    endpointIssues({
      endpoint,
      endpointIp,
      family: families.get("/controlPlane/endpoint/host"),
      controlPlanes: controlPlanes.length,
      nodeIps,
      nodeNames: spec.nodes.map((node) => node.name),
      podRange,
      serviceRange,
      apiserverPort: spec.controlPlane.apiserverPort ?? (version?.era === "legacy" ? 443 : 6443),
      reservedPorts: version ? RESERVED_PORTS[version.era] : {},
      error,
    });
  } else if (version?.era === "current" && controlPlanes.length > 1) {
    warn(
      "/controlPlane",
      `${controlPlanes.length} control-plane nodes, but every kubelet, kube-proxy and admin kubeconfig names ${spec.controlPlane.masterIP ?? (controlPlanes[0] ? primaryValue(controlPlanes[0].ip) : "")} (masterIP): losing that node loses the API for all of them.`,
      'Set controlPlane.endpoint: a virtual IP with loadBalancer "keepalived-haproxy" (and the interface that carries the nodes\' IPs), or your own load balancer with loadBalancer "external".',
    );
  }

  if (dnsIp !== undefined && serviceRange) {
    const dnsFamily = families.get("/network/dnsServiceIP");
    const size = cidrSize(serviceRange);
    if (dnsFamily !== serviceRange.family) {
      // The family checks above name it.
    } else if (!cidrContains(serviceRange, dnsFamily, dnsIp)) {
      error(
        "/network/dnsServiceIP",
        `${spec.network.dnsServiceIP ?? ""} is outside the service range ${formatCidr(serviceRange)}.`,
        "Pick an address inside network.serviceCIDR, or leave dnsServiceIP out (the tenth address is used).",
      );
    } else if (
      dnsIp === serviceRange.network ||
      dnsIp === serviceRange.network + 1n ||
      (serviceRange.family === "ipv4" && dnsIp === serviceRange.network + size - 1n)
    ) {
      error(
        "/network/dnsServiceIP",
        `${spec.network.dnsServiceIP ?? ""} is reserved: the range's network address, its last address, or the kubernetes service's own address.`,
        "Pick another address inside the service range, e.g. the tenth.",
      );
    }
  }

  // --- credentials --------------------------------------------------------------------------------
  // Each admin gets a kubeconfig and a certificate (or its request) or token under a file name made
  // from the name: "ops@x" and "ops_x" would share theirs.
  const firstAdmin = new Map<string, number>();
  spec.security.admins.forEach((admin, index) => {
    const file = adminKubeconfigPath(admin.name);
    const earlier = firstAdmin.get(file);
    if (earlier === undefined) firstAdmin.set(file, index);
    else {
      const other = spec.security.admins[earlier]?.name ?? "";
      error(
        pointerOf("security", "admins", index, "name"),
        other === admin.name
          ? `admin name "${admin.name}" is already used by /security/admins/${earlier}: both would write ${file}.`
          : `admin names "${admin.name}" and "${other}" (/security/admins/${earlier}) make one file name: both would write ${file}.`,
        "Give every admin a unique name, or merge their groups into one entry.",
      );
    }
  });

  // Go's x509 parser refuses a certificate whose dNSName is malformed ("x509: SAN dNSName is
  // malformed"), so every Go client would refuse the apiserver's certificate.
  spec.security.apiserverExtraSANs.forEach((name, index) => {
    if (parseIp(name) || (!name.includes(":") && validDnsName(name))) return;
    error(
      pointerOf("security", "apiserverExtraSANs", index),
      name.includes(":")
        ? `${JSON.stringify(name)} is not an IP address.`
        : `${JSON.stringify(name)} is not a DNS name: labels of 1 to 63 letters, digits and '-' (not at either end), joined by single dots, at most 253 characters; only the first label may be "*".`,
      "Write a DNS name such as api.example.com, or an IP address such as 192.168.1.100.",
    );
  });

  // --- ports, cloud, certificates -----------------------------------------------------------------
  const port = spec.controlPlane.apiserverPort;
  if (port !== undefined && version) {
    const owner = RESERVED_PORTS[version.era][port];
    if (owner) {
      error(
        "/controlPlane/apiserverPort",
        `port ${port} is already used by ${owner}.`,
        `Use the default (${version.era === "legacy" ? 443 : 6443}) or another free port.`,
      );
    }
  }

  if (spec.cloudProvider.config !== undefined && spec.cloudProvider.name === "none") {
    error(
      "/cloudProvider/config",
      'a cloud-config is set but cloudProvider.name is "none".',
      "Set cloudProvider.name to the provider the config is for, or remove the config.",
    );
  }
  const release = version?.era === "legacy" ? LEGACY_RELEASE_FACTS[version.minor] : undefined;
  if (release && version) cloudProviderIssues(spec, version, release, error);

  const ca = spec.security.ca;
  if (ca) {
    if (ca.certificate !== undefined && ca.certificateFile !== undefined) {
      error(
        "/security/ca/certificateFile",
        "both certificate and certificateFile are set.",
        "Keep one of them.",
      );
    }
    if (ca.key !== undefined && ca.keyFile !== undefined) {
      error("/security/ca/keyFile", "both key and keyFile are set.", "Keep one of them.");
    }
    if (ca.certificate === undefined && ca.certificateFile === undefined) {
      error(
        "/security/ca",
        "a CA key is given without its certificate.",
        "Add certificate (PEM) or certificateFile.",
      );
    }
  }
  // weave's DaemonSet (current releases; the seed's get an explanation instead) runs privileged.
  if (
    version?.era === "current" &&
    spec.network.mode === "overlay" &&
    spec.network.overlay === "weave" &&
    spec.security.allowPrivileged === false
  ) {
    error(
      "/security/allowPrivileged",
      "weave's DaemonSet runs privileged containers, which allowPrivileged: false refuses.",
      "Set security.allowPrivileged: true (the default for current versions), or use flannel, which needs only NET_ADMIN and NET_RAW.",
    );
  }
  // weave's DaemonSet copies its plugin into the node's /opt/cni/bin, whatever the runtime reads.
  if (
    spec.network.mode === "overlay" &&
    spec.network.overlay === "weave" &&
    spec.runtime.cniBinDir !== "/opt/cni/bin" &&
    (spec.runtime.type ?? (version?.era === "legacy" ? "docker" : "containerd")) === "containerd"
  ) {
    error(
      "/runtime/cniBinDir",
      `weave installs its CNI plugin into /opt/cni/bin, but the runtime would look in ${spec.runtime.cniBinDir}.`,
      "Keep runtime.cniBinDir at /opt/cni/bin with weave (copy or link the other CNI plugins there), or use flannel.",
    );
  }
  if (spec.security.leafValidityDays > spec.security.caValidityDays) {
    error(
      "/security/leafValidityDays",
      `leaf certificates (${spec.security.leafValidityDays} days) would outlive their CA (${spec.security.caValidityDays} days).`,
      "Make leafValidityDays at most caValidityDays.",
    );
  }

  return { errors, warnings };
}

/**
 * The seed releases' cloud providers as their source registers them, and their cloud-config files as
 * gcfg reads them: an unknown section or variable is an error there, so the apiserver,
 * controller-manager and kubelet would fail to start their provider.
 */
function cloudProviderIssues(
  spec: SpecWithStaticDefaults,
  version: KubernetesVersion,
  release: NonNullable<(typeof LEGACY_RELEASE_FACTS)[string]>,
  error: (pointer: string, message: string, fix: string) => void,
): void {
  const name = spec.cloudProvider.name;
  if (name === "none" || name === "external") return;
  const registered = release.cloudProviders;
  if (registered && !registered.includes(name)) {
    error(
      "/cloudProvider/name",
      `Kubernetes ${version.full} has no "${name}" cloud provider (its source registers ${registered.join(", ")}).`,
      `Use one of ${registered.join(", ")}, or "none".`,
    );
    return;
  }
  const config = spec.cloudProvider.config;
  if (config === undefined) return;
  const sections = release.cloudConfigs[name];
  if (!sections) {
    error(
      "/cloudProvider/config",
      `the ${name} provider of Kubernetes ${version.full} reads no cloud-config file.`,
      "Remove cloudProvider.config.",
    );
    return;
  }
  // gcfg matches section and variable names without regard to case.
  const known = new Map(Object.entries(sections).map(([section, keys]) => [section.toLowerCase(), keys]));
  for (const [section, values] of Object.entries(config)) {
    const keys = known.get(section.toLowerCase());
    if (!keys) {
      error(
        pointerOf("cloudProvider", "config", section),
        `the ${name} cloud-config of Kubernetes ${version.full} has no section [${section}].`,
        `Use ${Object.keys(sections)
          .map((each) => `[${each}]`)
          .join(", ")}.`,
      );
      continue;
    }
    const lower = new Set(keys.map((key) => key.toLowerCase()));
    for (const key of Object.keys(values)) {
      if (!lower.has(key.toLowerCase())) {
        error(
          pointerOf("cloudProvider", "config", section, key),
          `Kubernetes ${version.full}'s ${name} provider does not know ${key} in [${section}]; gcfg refuses unknown variables, so the provider would not start.`,
          `Remove it; [${section}] takes ${keys.join(", ")}.`,
        );
      }
    }
  }
}

interface EndpointInput {
  readonly endpoint: NonNullable<SpecWithStaticDefaults["controlPlane"]["endpoint"]>;
  /** The host as an address, when it is one. */
  readonly endpointIp: bigint | undefined;
  readonly family: IpFamily | undefined;
  readonly controlPlanes: number;
  readonly nodeIps: readonly (bigint | undefined)[];
  readonly nodeNames: readonly string[];
  readonly podRange: Cidr | undefined;
  readonly serviceRange: Cidr | undefined;
  readonly apiserverPort: number;
  readonly reservedPorts: Readonly<Record<number, string>>;
  readonly error: (pointer: string, message: string, fix: string) => void;
}

/** controlPlane.endpoint: a host clients can dial, and a load balancer kubescratch can fully write out. */
function endpointIssues(input: EndpointInput): void {
  const { endpoint, endpointIp, family, error } = input;
  const host = endpoint.host;
  if (endpointIp === undefined && parseIp(host) === undefined && !validDnsName(host, false))
    error(
      "/controlPlane/endpoint/host",
      `${JSON.stringify(host)} is neither an IP address nor a DNS name of one host (no "*").`,
      "Write the load balancer's address (e.g. 192.168.1.100) or its DNS name (e.g. api.example.com).",
    );
  if (endpointIp !== undefined) {
    const unusable = nodeAddressProblem(host);
    if (unusable !== undefined)
      error(
        "/controlPlane/endpoint/host",
        `${host} is ${unusable}, which other machines cannot dial.`,
        "Use an address on the network the nodes share, e.g. 192.168.1.100.",
      );
    for (const [what, range] of [
      ["pod", input.podRange],
      ["service", input.serviceRange],
    ] as const)
      if (range && family && cidrContains(range, family, endpointIp))
        error(
          "/controlPlane/endpoint/host",
          `${host} lies inside the ${what} range ${formatCidr(range)}.`,
          "Use an address on the nodes' own network.",
        );
  }

  const port = endpoint.port ?? defaultEndpointPort(endpoint.loadBalancer, input.apiserverPort);
  const owner = input.reservedPorts[port];
  if (owner !== undefined && !(endpoint.loadBalancer === "external" && port === input.apiserverPort))
    error(
      "/controlPlane/endpoint/port",
      `port ${port} is already used by ${owner} on the control-plane nodes.`,
      "Use another port, e.g. 8443.",
    );

  if (endpoint.loadBalancer === "external") {
    for (const field of ["interface", "virtualRouterId"] as const)
      if (field === "interface" ? endpoint.interface !== undefined : endpoint.virtualRouterId !== 51)
        error(
          `/controlPlane/endpoint/${field}`,
          `${field} is for the keepalived-haproxy load balancer; an external one is configured by its operator.`,
          'Remove it, or set loadBalancer "keepalived-haproxy".',
        );
    return;
  }

  // keepalived-haproxy
  if (input.controlPlanes < 2)
    error(
      "/controlPlane/endpoint/loadBalancer",
      `keepalived-haproxy moves a virtual IP between control-plane nodes, but the cluster has ${input.controlPlanes}.`,
      'One control-plane node needs no load balancer: leave controlPlane.endpoint out, or name a DNS name with loadBalancer "external" to grow later.',
    );
  if (endpointIp === undefined || family !== "ipv4")
    error(
      "/controlPlane/endpoint/host",
      `keepalived holds a virtual IPv4 address (VRRP version 2), and ${JSON.stringify(host)} is not one.`,
      'Use a free IPv4 address on the control-plane nodes\' network, or loadBalancer "external" for a DNS name or IPv6.',
    );
  const node = endpointIp === undefined ? -1 : input.nodeIps.findIndex((ip) => ip === endpointIp);
  if (node >= 0)
    error(
      "/controlPlane/endpoint/host",
      `${host} is the IP of node "${input.nodeNames[node] ?? ""}"; keepalived needs an address no machine holds of its own.`,
      "Use a free address on the control-plane nodes' network.",
    );
  if (port === input.apiserverPort)
    error(
      "/controlPlane/endpoint/port",
      `haproxy and the apiserver share each control-plane node, and both would listen on port ${port}.`,
      `Use another port for the endpoint (the default is 8443), or another controlPlane.apiserverPort.`,
    );
  if (endpoint.interface === undefined)
    error(
      "/controlPlane/endpoint/interface",
      "keepalived needs the network interface where it adds the virtual IP.",
      "Name the interface that carries the control-plane nodes' IPs, e.g. interface: eth0 (ip -o addr shows it).",
    );
}

/**
 * A DNS name as an X.509 dNSName may hold it (RFC 1035 labels; a leading "*" label for wildcards,
 * unless the name must be a host to dial).
 */
function validDnsName(name: string, wildcard = true): boolean {
  if (name.length > 253) return false;
  return name
    .split(".")
    .every(
      (label, index) =>
        (wildcard && index === 0 && label === "*") ||
        /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label),
    );
}

/** Node labels the kubelet or kubescratch itself sets, and who. */
const RESERVED_NODE_LABELS: Readonly<Record<string, string>> = {
  "kubernetes.io/hostname": "the kubelet (and nodes.yaml) from the node's name",
  "kubernetes.io/os": "the kubelet from the node's operating system",
  "kubernetes.io/arch": "the kubelet from the node's architecture",
  "beta.kubernetes.io/os": "the kubelet from the node's operating system",
  "beta.kubernetes.io/arch": "the kubelet from the node's architecture",
  "node-role.kubernetes.io/control-plane": "kubescratch from the node's roles",
};
