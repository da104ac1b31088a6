import { load } from "js-yaml";
import type { ClusterPlan } from "@kubescratch/core";
import { installOrder, lanPrefix, lanPrefix6, overlaysFor, scriptChecks } from "@kubescratch/rehearse";

function plan(nodes: { name: string; ip: string; roles: string[] }[], minorNumber = 34): ClusterPlan {
  return { nodes, profile: { minorNumber } } as unknown as ClusterPlan;
}

describe("the LAN", () => {
  it("puts the nodes in the /24 they share and the admin at its second-to-last free address", () => {
    expect(
      lanPrefix(
        plan([
          { name: "a", ip: "192.168.50.11", roles: [] },
          { name: "b", ip: "192.168.50.23", roles: [] },
        ]),
      ),
    ).toEqual({ prefix: 24, adminAddress: "192.168.50.254" });
  });
  it("widens the prefix until every node is on-link, and skips an address a node holds", () => {
    expect(
      lanPrefix(
        plan([
          { name: "a", ip: "10.0.1.10", roles: [] },
          { name: "b", ip: "10.0.3.254", roles: [] },
        ]),
      ),
    ).toEqual({ prefix: 22, adminAddress: "10.0.3.253" });
  });
  it("takes an IPv6-primary node's IPv4 address from its second family; an IPv6-only LAN has no IPv4 part", () => {
    const dual = {
      nodes: [
        { name: "a", ip: "fd00::11", roles: [], secondary: { family: "ipv4", ip: "192.168.50.11" } },
        {
          name: "b",
          ip: "fd00::ffff:ffff:ffff:fffe",
          roles: [],
          secondary: { family: "ipv4", ip: "192.168.50.23" },
        },
      ],
      profile: { minorNumber: 34 },
    } as unknown as ClusterPlan;
    expect(lanPrefix(dual)).toEqual({ prefix: 24, adminAddress: "192.168.50.254" });
    // The admin's IPv6 address: the /64's last but one that no node holds.
    expect(lanPrefix6(dual)).toEqual({ prefix: 64, adminAddress: "fd00::ffff:ffff:ffff:fffd" });
    expect(lanPrefix6(plan([{ name: "a", ip: "192.168.50.11", roles: [] }]))).toBeUndefined();
    expect(lanPrefix(plan([{ name: "a", ip: "fd00::11", roles: [] }]))).toBeUndefined();
    expect(lanPrefix6(plan([{ name: "a", ip: "fd00::11", roles: [] }]))).toEqual({
      prefix: 64,
      adminAddress: "fd00::ffff:ffff:ffff:fffe",
    });
  });
});

describe("install order", () => {
  it("is the admin README's: etcd members, other control-plane nodes, then the rest", () => {
    expect(
      installOrder(
        plan([
          { name: "w1", ip: "10.0.0.4", roles: ["worker"] },
          { name: "cp", ip: "10.0.0.2", roles: ["control-plane"] },
          { name: "e1", ip: "10.0.0.1", roles: ["etcd", "control-plane"] },
          { name: "e2", ip: "10.0.0.3", roles: ["etcd"] },
        ]),
      ),
    ).toEqual([["e1", "e2"], ["cp"], ["w1"]]);
  });
});

describe("the generated scripts' report lines", () => {
  it("become one check per ok/FAIL line, with the indented lines under a FAIL as its detail", () => {
    const checks = scriptChecks("validate.sh", {
      code: 1,
      stdout:
        "ok   kubelet.service is active\nFAIL kube-proxy.service is active\n       activating\n       exit 3\n1 passed, 1 failed\n",
      stderr: "",
    });
    expect(checks).toEqual([
      { name: "validate.sh: kubelet.service is active", ok: true },
      { name: "validate.sh: kube-proxy.service is active", ok: false, detail: "activating\nexit 3" },
      { name: "validate.sh exits 0", ok: false, detail: expect.stringContaining("exit 1") },
    ]);
  });
});

describe("sandbox overlays", () => {
  it("leave kube-proxy's configuration as the bundle wrote it (the node gets a writable nf_conntrack_max instead)", () => {
    const proxyConfig =
      "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\n";
    const result = overlaysFor(plan([]), "/var/lib/kube-proxy/config.yaml", proxyConfig);
    expect(result.text).toBe(proxyConfig);
    expect(result.applied).toEqual([]);
  });

  const kubelet = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";
  const ids = (result: ReturnType<typeof overlaysFor>) => result.applied.map((overlay) => overlay.id);

  it("let 1.35+ kubelets run on this cgroup v1 host, and leave older ones alone", () => {
    expect(ids(overlaysFor(plan([], 34), "/var/lib/kubelet/config.yaml", kubelet))).not.toContain(
      "kubelet-fail-cgroup-v1",
    );
    const newer = overlaysFor(plan([], 35), "/var/lib/kubelet/config.yaml", kubelet);
    expect(ids(newer)).toContain("kubelet-fail-cgroup-v1");
    expect(newer.text).toMatch(/\nfailCgroupV1: false\n/);
    expect(newer.restart).toContain("kubelet");
  });

  it("give kubelets disk thresholds in absolute amounts, since the host's shared disk is not the node's", () => {
    const result = overlaysFor(plan([], 34), "/var/lib/kubelet/config.yaml", kubelet);
    expect(ids(result)).toEqual(["kubelet-disk-thresholds"]);
    expect(load(result.text)).toEqual({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      evictionHard: {
        "memory.available": "100Mi",
        "nodefs.available": "1Gi",
        "nodefs.inodesFree": "5%",
        "imagefs.available": "1Gi",
        "imagefs.inodesFree": "5%",
      },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
    });
    // A bundle that sets its own thresholds keeps them.
    const own = `${kubelet}evictionHard:\n  imagefs.available: 5%\n`;
    expect(overlaysFor(plan([], 34), "/var/lib/kubelet/config.yaml", own).applied).toEqual([]);
  });
});
