import { parseSpec, planCluster, SpecError, type ClusterSpecInput, type NodeRole } from "../src/index.js";

type NodeInput = ClusterSpecInput["nodes"][number];

function nodes(
  count: number,
  roles: (index: number) => NodeRole[] = (index) => (index === 0 ? ["control-plane", "etcd"] : ["worker"]),
): NodeInput[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `node-${index}`,
    ip: `192.168.${Math.floor(index / 250)}.${(index % 250) + 1}`,
    roles: roles(index),
  }));
}

function spec(overrides: Partial<ClusterSpecInput> & { nodes: ClusterSpecInput["nodes"] }): ClusterSpecInput {
  return { apiVersion: "kubescratch.dev/v1alpha1", kind: "Cluster", name: "plan", ...overrides };
}

function plan(input: ClusterSpecInput, previous?: Parameters<typeof planCluster>[1]) {
  return planCluster(parseSpec(input).spec, previous);
}

describe("the seed's address plan (S4, S5, S20)", () => {
  it("splits 10.10.0.0/16 into 256 node ranges, 10.10.0.0/24 .. 10.10.255.0/24", () => {
    const result = plan(
      spec({ network: { podCIDR: "10.10.0.0/16", serviceCIDR: "10.0.0.0/16" }, nodes: nodes(256) }),
    );
    expect(result.network.nodeCIDRCapacity).toBe(256);
    expect(result.nodes[0]?.podCIDR).toBe("10.10.0.0/24");
    expect(result.nodes[1]?.podCIDR).toBe("10.10.1.0/24");
    expect(result.nodes[255]?.podCIDR).toBe("10.10.255.0/24");
    expect(new Set(result.nodes.map((node) => node.podCIDR)).size).toBe(256);
  });

  it("refuses a 257th node in a /16 of /24s", () => {
    expect(() => plan(spec({ nodes: nodes(257) }))).toThrow(SpecError);
    expect(() => plan(spec({ nodes: nodes(257) }))).toThrow(
      /holds 256 node ranges of \/24, fewer than the 257 nodes/,
    );
  });

  it("gives SERVICE_CLUSTER_IP_RANGE 10.0.0.0/16 65534 services, kubernetes at .1 and DNS at .10", () => {
    const result = plan(spec({ network: { serviceCIDR: "10.0.0.0/16" }, nodes: nodes(4) }));
    expect(result.network).toMatchObject({
      serviceCIDR: "10.0.0.0/16",
      serviceCapacity: 65534,
      kubernetesServiceIP: "10.0.0.1",
      dnsServiceIP: "10.0.0.10",
    });
  });

  it("puts NODE_X_BRIDGE_ADDR on the first address of the node's range, with its prefix", () => {
    const result = plan(
      spec({
        network: { podCIDR: "10.0.0.0/8", serviceCIDR: "172.30.0.0/16", nodePodCIDRPrefix: 16 },
        nodes: nodes(4),
      }),
    );
    // The seed's own example: NODE_X_POD_CIDR 10.0.0.0/16 gives NODE_X_BRIDGE_ADDR 10.0.0.1/16.
    expect(result.nodes[0]).toMatchObject({
      podCIDR: "10.0.0.0/16",
      bridgeIP: "10.0.0.1",
      bridgeAddress: "10.0.0.1/16",
    });
    expect(result.nodes[3]).toMatchObject({ podCIDR: "10.3.0.0/16", bridgeAddress: "10.3.0.1/16" });
  });

  it.each([
    [24, 110, 253],
    [26, 61, 61],
    [27, 29, 29],
  ])(
    "a /%i per node leaves room for %i pods (%i pod addresses after network, broadcast, bridge)",
    (prefix, maxPods, addresses) => {
      const result = plan(
        spec({ network: { nodePodCIDRPrefix: prefix, maxPodsPerNode: maxPods }, nodes: nodes(4) }),
      );
      expect(result.network.podAddressesPerNode).toBe(addresses);
      expect(() =>
        plan(
          spec({ network: { nodePodCIDRPrefix: prefix, maxPodsPerNode: addresses + 1 }, nodes: nodes(4) }),
        ),
      ).toThrow(SpecError);
    },
  );
});

describe("stable allocation", () => {
  const base = nodes(4);

  it("keeps every existing node's range when a node is inserted in the middle, given the previous plan", () => {
    const before = plan(spec({ nodes: base }));
    const inserted = [
      base[0],
      base[1],
      { name: "newcomer", ip: "192.168.9.9", roles: ["worker"] } satisfies NodeInput,
      base[2],
      base[3],
    ].filter((node): node is NonNullable<typeof node> => node !== undefined);
    const after = plan(spec({ nodes: inserted }), { previous: before });
    for (const node of before.nodes) {
      const again = after.nodes.find((candidate) => candidate.name === node.name);
      expect(again?.podCIDR).toBe(node.podCIDR);
      expect(again?.podCIDRSource).toBe("previous");
    }
    const newcomer = after.nodes.find((node) => node.name === "newcomer");
    expect(newcomer).toMatchObject({ podCIDR: "10.10.4.0/24", podCIDRSource: "allocated" });

    // Without the previous plan, allocation is by position and the later nodes would move.
    const fresh = plan(spec({ nodes: inserted }));
    expect(fresh.nodes.find((node) => node.name === "node-2")?.podCIDR).toBe("10.10.3.0/24");
  });

  it("keeps the others' ranges when a node is removed, and reuses nothing it did not have to", () => {
    const before = plan(spec({ nodes: base }));
    const after = plan(spec({ nodes: base.filter((node) => node.name !== "node-1") }), { previous: before });
    expect(after.nodes.map((node) => node.podCIDR)).toEqual(["10.10.0.0/24", "10.10.2.0/24", "10.10.3.0/24"]);
  });

  it("honours pinned ranges first, and never hands a pinned range to another node", () => {
    const pinned = base.map((node, index) => (index === 3 ? { ...node, podCIDR: "10.10.0.0/24" } : node));
    const result = plan(spec({ nodes: pinned }));
    expect(result.nodes.map((node) => [node.podCIDR, node.podCIDRSource])).toEqual([
      ["10.10.1.0/24", "allocated"],
      ["10.10.2.0/24", "allocated"],
      ["10.10.3.0/24", "allocated"],
      ["10.10.0.0/24", "pinned"],
    ]);
  });

  it("a pin beats a previous range that collides with it", () => {
    const before = plan(spec({ nodes: base }));
    const pinned = base.map((node, index) => (index === 3 ? { ...node, podCIDR: "10.10.0.0/24" } : node));
    const after = plan(spec({ nodes: pinned }), { previous: before });
    expect(after.nodes.map((node) => node.podCIDR)).toEqual([
      "10.10.4.0/24",
      "10.10.1.0/24",
      "10.10.2.0/24",
      "10.10.0.0/24",
    ]);
  });

  it("ignores previous ranges that no longer fit the pod range or prefix", () => {
    const before = plan(spec({ nodes: base }));
    const after = plan(spec({ network: { podCIDR: "10.20.0.0/16" }, nodes: base }), { previous: before });
    expect(after.nodes.map((node) => node.podCIDRSource)).toEqual([
      "allocated",
      "allocated",
      "allocated",
      "allocated",
    ]);
    expect(after.nodes[0]?.podCIDR).toBe("10.20.0.0/24");
  });

  it("is plain data: a JSON round trip changes nothing", () => {
    const result = plan(spec({ nodes: base }));
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe("version-aware plan", () => {
  it("uses etcd 2 on 4001 and the insecure port for the seed's firewall-only mode", () => {
    const result = plan(
      spec({ kubernetesVersion: "1.2", security: { mode: "firewall-only" }, nodes: nodes(4) }),
    );
    expect(result.profile).toMatchObject({ version: "1.2.7", era: "legacy" });
    expect(result.controlPlane.apiserverURL).toBe("http://192.168.0.1:8080");
    expect(result.etcd.members).toEqual([
      {
        name: "node-0",
        ip: "192.168.0.1",
        clientURL: "http://192.168.0.1:4001",
        peerURL: "http://192.168.0.1:7001",
      },
    ]);
  });

  it("uses HTTPS on 443 in the seed's HTTPS mode and 6443 with TLS etcd today", () => {
    expect(plan(spec({ kubernetesVersion: "v1.2.0", nodes: nodes(4) })).controlPlane.apiserverURL).toBe(
      "https://192.168.0.1:443",
    );
    const current = plan(
      spec({
        kubernetesVersion: "1.36.2",
        nodes: nodes(6, (index) => (index < 3 ? ["control-plane", "etcd"] : ["worker"])),
      }),
    );
    expect(current.profile.version).toBe("1.36.2");
    expect(current.controlPlane).toMatchObject({
      apiserverURL: "https://192.168.0.1:6443",
      nodes: ["node-0", "node-1", "node-2"],
    });
    expect(current.etcd.members.map((member) => member.clientURL)).toEqual([
      "https://192.168.0.1:2379",
      "https://192.168.0.2:2379",
      "https://192.168.0.3:2379",
    ]);
  });

  it("plans an IPv6 cluster for current versions", () => {
    const result = plan(
      spec({
        network: { podCIDR: "fd00:10::/56", nodePodCIDRPrefix: 64, serviceCIDR: "fd00:96::/112" },
        nodes: [
          { name: "a", ip: "fd00::a", roles: ["control-plane", "etcd", "worker"] },
          { name: "b", ip: "FD00::B", roles: ["worker"] },
        ],
      }),
    );
    expect(result.nodes.map((node) => [node.ip, node.podCIDR, node.bridgeAddress])).toEqual([
      ["fd00::a", "fd00:10::/64", "fd00:10::1/64"],
      ["fd00::b", "fd00:10:0:1::/64", "fd00:10:0:1::1/64"],
    ]);
    expect(result.network).toMatchObject({
      kubernetesServiceIP: "fd00:96::1",
      dnsServiceIP: "fd00:96::a",
      serviceCapacity: 65535,
    });
    expect(result.controlPlane.apiserverURL).toBe("https://[fd00::a]:6443");
  });
});

describe("stable allocation after removals", () => {
  it("does not hand a removed node's range to a new node while others are free", () => {
    const base = nodes(4);
    const before = plan(spec({ nodes: base }));
    const replaced = [
      ...base.filter((node) => node.name !== "node-1"),
      { name: "node-9", ip: "192.168.9.9", roles: ["worker"] } satisfies NodeInput,
    ];
    const after = plan(spec({ nodes: replaced }), { previous: before });
    expect(after.nodes.find((node) => node.name === "node-9")?.podCIDR).toBe("10.10.4.0/24");
  });

  it("reuses a previous range only when the pod range has nothing else left", () => {
    const base = nodes(4);
    const small = { podCIDR: "10.10.0.0/22" };
    const before = plan(spec({ network: small, nodes: base }));
    const replaced = [
      ...base.filter((node) => node.name !== "node-1"),
      { name: "node-9", ip: "192.168.9.9", roles: ["worker"] } satisfies NodeInput,
    ];
    const after = plan(spec({ network: small, nodes: replaced }), { previous: before });
    expect(after.nodes.find((node) => node.name === "node-9")?.podCIDR).toBe("10.10.1.0/24");
  });
});

describe("dual-stack plan", () => {
  const dualNodes = (count: number): NodeInput[] =>
    Array.from({ length: count }, (_, index) => ({
      name: `node-${index}`,
      ip: [`192.168.1.${index + 10}`, `FD00::${(index + 10).toString(16)}`],
      roles: index === 0 ? ["control-plane", "etcd", "worker"] : ["worker"],
    }));
  const dual = (overrides: Partial<ClusterSpecInput["network"]> = {}, count = 3): ClusterSpecInput =>
    spec({
      kubernetesVersion: "1.34",
      network: {
        podCIDR: ["10.10.0.0/16", "fd10::/56"],
        serviceCIDR: ["10.0.0.0/16", "fd00:10::/108"],
        ...overrides,
      },
      nodes: dualNodes(count),
    });

  it("gives every node a range, bridge address and address of each family, the primary's in the top fields", () => {
    const result = plan(dual());
    expect(result.network.families).toEqual(["ipv4", "ipv6"]);
    expect(
      result.nodes.map((node) => [
        node.ip,
        node.podCIDR,
        node.bridgeAddress,
        node.secondary?.ip,
        node.secondary?.podCIDR,
        node.secondary?.bridgeAddress,
      ]),
    ).toEqual([
      ["192.168.1.10", "10.10.0.0/24", "10.10.0.1/24", "fd00::a", "fd10::/64", "fd10::1/64"],
      ["192.168.1.11", "10.10.1.0/24", "10.10.1.1/24", "fd00::b", "fd10:0:0:1::/64", "fd10:0:0:1::1/64"],
      ["192.168.1.12", "10.10.2.0/24", "10.10.2.1/24", "fd00::c", "fd10:0:0:2::/64", "fd10:0:0:2::1/64"],
    ]);
    expect(result.network).toMatchObject({
      podCIDR: "10.10.0.0/16",
      nodePodCIDRPrefix: 24,
      kubernetesServiceIP: "10.0.0.1",
      dnsServiceIP: "10.0.0.10",
      secondary: {
        family: "ipv6",
        podCIDR: "fd10::/56",
        nodePodCIDRPrefix: 64,
        nodeCIDRCapacity: 256,
        serviceCIDR: "fd00:10::/108",
        serviceCapacity: 1048575,
        kubernetesServiceIP: "fd00:10::1",
        dnsServiceIP: "fd00:10::a",
      },
    });
    expect(result.controlPlane.apiserverURL).toBe("https://192.168.1.10:6443");
  });

  it("takes node range sizes per family, and IPv6 primary when IPv6 is listed first", () => {
    const result = plan(
      spec({
        kubernetesVersion: "1.34",
        network: {
          podCIDR: ["fd10::/56", "10.10.0.0/16"],
          serviceCIDR: ["fd00:10::/108", "10.0.0.0/16"],
          nodePodCIDRPrefix: { ipv4: 25, ipv6: 72 },
        },
        nodes: [{ name: "a", ip: ["fd00::a", "192.168.1.10"], roles: ["control-plane", "etcd", "worker"] }],
      }),
    );
    expect(result.network.families).toEqual(["ipv6", "ipv4"]);
    expect([result.nodes[0]?.podCIDR, result.nodes[0]?.secondary?.podCIDR]).toEqual([
      "fd10::/72",
      "10.10.0.0/25",
    ]);
    expect(result.controlPlane.apiserverURL).toBe("https://[fd00::a]:6443");
  });

  it("keeps each node's ranges of both families from the previous plan, whichever family was primary", () => {
    const first = plan(dual({}, 3));
    const previous = {
      nodes: first.nodes
        .filter((node) => node.name !== "node-0")
        .map((node) => ({
          name: node.name,
          podCIDR: node.secondary?.podCIDR ?? "",
          secondaryPodCIDR: node.podCIDR,
        })),
    };
    const second = plan(dual({}, 4), { previous });
    for (const name of ["node-1", "node-2"]) {
      const before = first.nodes.find((node) => node.name === name);
      const after = second.nodes.find((node) => node.name === name);
      expect([
        after?.podCIDR,
        after?.podCIDRSource,
        after?.secondary?.podCIDR,
        after?.secondary?.podCIDRSource,
      ]).toEqual([before?.podCIDR, "previous", before?.secondary?.podCIDR, "previous"]);
    }
    // The new node gets fresh ranges of both families, none of the previous ones.
    const added = second.nodes.find((node) => node.name === "node-3");
    expect(added?.podCIDRSource).toBe("allocated");
    expect(added?.secondary?.podCIDRSource).toBe("allocated");
    expect(first.nodes.map((node) => node.secondary?.podCIDR)).not.toContain(added?.secondary?.podCIDR);
  });

  it("pins one family's range and allocates the other", () => {
    const input = dual();
    const result = plan({
      ...input,
      nodes: input.nodes.map((node, index) => (index === 0 ? { ...node, podCIDR: "fd10:0:0:9::/64" } : node)),
    });
    expect(result.nodes[0]?.secondary).toMatchObject({ podCIDR: "fd10:0:0:9::/64", podCIDRSource: "pinned" });
    expect(result.nodes[0]).toMatchObject({ podCIDR: "10.10.0.0/24", podCIDRSource: "allocated" });
  });

  it("defaults an IPv6 cluster's node ranges to /64, the controller-manager's default", () => {
    const result = plan(
      spec({
        network: { podCIDR: "fd10::/56", serviceCIDR: "fd00:10::/108" },
        nodes: [{ name: "a", ip: "fd00::a", roles: ["control-plane", "etcd", "worker"] }],
      }),
    );
    expect(result.network.nodePodCIDRPrefix).toBe(64);
    expect(result.network.secondary).toBeUndefined();
  });

  it("is plain data: a JSON round trip changes nothing", () => {
    const result = plan(dual());
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
