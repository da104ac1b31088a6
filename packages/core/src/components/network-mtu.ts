// The MTU pods and the pod bridge get (S3b, S16, S20). network.mtu is the MTU of the network the
// nodes share; routed pod IPs travel on it as they are, an overlay wraps every pod packet in its own
// headers first, so pod interfaces must be smaller by that much (the seed: docker --mtu "is needed
// with Flannel, because the encapsulation makes packets too big").
import type { ClusterPlan } from "../plan/plan.js";

type Overlay = NonNullable<ClusterPlan["network"]["overlay"]>;

/**
 * Bytes each overlay adds to a pod packet. VXLAN (flannel's vxlan backend, Open vSwitch tunnels):
 * outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 = 50, the figure flannel itself subtracts.
 * Weave: 124, the difference between a 1500-byte network and weave's own default WEAVE_MTU of 1376,
 * which leaves room for its sleeve and encrypted modes too.
 */
export const ENCAPSULATION_OVERHEAD: Readonly<Record<Overlay, number>> = {
  flannel: 50,
  weave: 124,
  openvswitch: 50,
};

/** The MTU of the pod bridge and of every pod interface on the nodes. */
export function podMTU(network: ClusterPlan["network"]): number {
  if (network.mode !== "overlay") return network.mtu;
  return network.mtu - ENCAPSULATION_OVERHEAD[network.overlay ?? "flannel"];
}
