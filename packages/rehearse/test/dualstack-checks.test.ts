// The pure parts of the dual-stack checks: what a Node object and a pod's addresses must show.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { parseSpec, planCluster } from "@kubescratch/core";
import {
  flannelTunnelProblems,
  lanPrefix6,
  nodeFamilyProblems,
  podFamilyProblems,
} from "@kubescratch/rehearse";
import { ROOT } from "./rehearse-cli.js";

const plan = planCluster(
  parseSpec(load(readFileSync(join(ROOT, "fixtures/specs/current-dualstack.yaml"), "utf8"))).spec,
);
const node = plan.nodes[1];
if (!node?.secondary) throw new Error("the fixture's node-2 is dual-stack");

describe("dual-stack checks", () => {
  it("accept a Node with both InternalIPs and both pod ranges, primary first", () => {
    expect(
      nodeFamilyProblems(node, {
        spec: { podCIDRs: ["198.19.1.0/24", "2001:db8:19:1::/64"] },
        status: {
          addresses: [
            { type: "InternalIP", address: "198.18.0.2" },
            { type: "InternalIP", address: "2001:db8::2" },
            { type: "Hostname", address: "node-2" },
          ],
        },
      }),
    ).toEqual([]);
  });

  it("name a missing family of a Node", () => {
    expect(
      nodeFamilyProblems(node, {
        spec: { podCIDRs: ["198.19.1.0/24"] },
        status: { addresses: [{ type: "InternalIP", address: "198.18.0.2" }] },
      }),
    ).toEqual([
      "InternalIPs 198.18.0.2, planned 198.18.0.2, 2001:db8::2",
      "podCIDRs 198.19.1.0/24, planned 198.19.1.0/24, 2001:db8:19:1::/64",
    ]);
  });

  it("want a pod address of each family inside the node's ranges", () => {
    expect(podFamilyProblems(["198.19.1.7", "2001:db8:19:1::7"], node)).toEqual([]);
    expect(podFamilyProblems(["198.19.1.7"], node)).toEqual([
      "1 address(es) 198.19.1.7, planned one in each of 198.19.1.0/24, 2001:db8:19:1::/64",
    ]);
    expect(podFamilyProblems(["198.19.1.7", "2001:db8:19:2::7"], node)).toEqual([
      "2001:db8:19:2::7 is outside 2001:db8:19:1::/64",
    ]);
  });

  it("put the nodes' IPv6 addresses on one /64 of the LAN", () => {
    expect(lanPrefix6(plan)).toEqual({ prefix: 64, adminAddress: "2001:db8::ffff:ffff:ffff:fffe" });
  });

  it("want flannel to announce each planned address and route the other nodes' ranges of each family", () => {
    const overlay = planCluster(
      parseSpec(load(readFileSync(join(ROOT, "fixtures/specs/current-flannel-dualstack.yaml"), "utf8"))).spec,
    );
    const [, node1] = overlay.nodes;
    if (!node1) throw new Error("the fixture has node-1");
    const annotations = {
      "flannel.alpha.coreos.com/public-ip": "192.168.60.11",
      "flannel.alpha.coreos.com/public-ipv6": "fd00:60::11",
    };
    // As `ip route show dev` prints flannel's routes on node-1.
    const routes = {
      ipv4: "10.244.0.0/24 via 10.244.0.0 onlink \n10.244.2.0/24 via 10.244.2.0 onlink \n",
      ipv6: "fd00:10:244::/64 via fd00:10:244:: metric 1024 onlink pref medium\nfd00:10:244:2::/64 via fd00:10:244:2:: metric 1024 onlink pref medium\nfe80::/64 proto kernel metric 256 pref medium\n",
    };
    expect(flannelTunnelProblems(overlay, node1, annotations, routes)).toEqual([]);
    expect(
      flannelTunnelProblems(
        overlay,
        node1,
        { ...annotations, "flannel.alpha.coreos.com/public-ipv6": "fd00:60::99" },
        { ...routes, ipv6: "fd00:10:244::/64 via fd00:10:244:: onlink\n" },
      ),
    ).toEqual([
      "flannel.alpha.coreos.com/public-ipv6 is fd00:60::99, planned fd00:60::11",
      "flannel-v6.1 routes no fd00:10:244:2::/64",
    ]);
  });
});
