// The MTU pods and the pod bridge get (S3b, S16, S20). network.mtu is the MTU of the network the
// nodes share; routed pod IPs travel on it as they are, an overlay wraps every pod packet in its own
// headers first, so pod interfaces must be smaller by that much (the seed: docker --mtu "is needed
// with Flannel, because the encapsulation makes packets too big").
import type { ClusterPlan } from "../plan/plan.js";
import type { IpFamily } from "../net/ip.js";

type Overlay = NonNullable<ClusterPlan["network"]["overlay"]>;

/**
 * Bytes a VXLAN tunnel adds to a pod packet, by the family of the node addresses it runs between:
 * outer IPv4 20 (IPv6 40) + UDP 8 + VXLAN 8 + inner Ethernet 14 = 50 (70). 50 is the figure flannel
 * subtracts from the link for every VXLAN device, its IPv6 one too (pkg/backend/vxlan/device.go in
 * v0.28), which leaves an IPv6 tunnel 20 bytes short: the kernel drops a packet that fits the device
 * but not the link below it (network-netns-dualstack.test.ts). The pod MTU makes up for it.
 */
export const VXLAN_OVERHEAD: Readonly<Record<IpFamily, number>> = { ipv4: 50, ipv6: 70 };

/**
 * Weave's overhead: 124, the difference between a 1500-byte network and weave's own default WEAVE_MTU
 * of 1376, which leaves room for its sleeve and encrypted modes too (weave is IPv4 only).
 */
export const WEAVE_OVERHEAD = 124;

/**
 * Bytes each overlay adds to a pod packet in this network. flannel runs one VXLAN tunnel per family
 * (a dual-stack pod's IPv6 packets travel between the nodes' IPv6 addresses), so the larger overhead
 * of the two counts; Open vSwitch tunnels between the nodes' primary addresses.
 */
export function encapsulationOverhead(network: ClusterPlan["network"]): number {
  const overlay: Overlay = network.overlay ?? "flannel";
  if (overlay === "weave") return WEAVE_OVERHEAD;
  const tunnelFamilies = overlay === "flannel" ? network.families : network.families.slice(0, 1);
  return Math.max(...tunnelFamilies.map((family) => VXLAN_OVERHEAD[family]));
}

/** The MTU of the pod bridge and of every pod interface on the nodes. */
export function podMTU(network: ClusterPlan["network"]): number {
  if (network.mode !== "overlay") return network.mtu;
  return network.mtu - encapsulationOverhead(network);
}
