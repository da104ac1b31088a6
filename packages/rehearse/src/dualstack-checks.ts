// The checks a dual-stack cluster adds: every Node carries both families' addresses and pod ranges,
// every pod an address of each family, a PreferDualStack Service two ClusterIPs that both answer,
// and CoreDNS both the A and the AAAA record of that Service.
import { FLANNEL_ANNOTATION_PREFIX, familyName, nodeFamilies, type ClusterPlan } from "@kubescratch/core";
import type { PodInfo } from "./checks.js";
import { insideCidr, urlHost } from "./layout.js";
import { waitFor, type RunOptions, type RunResult } from "./exec.js";

type Kubectl = (args: readonly string[], options?: RunOptions) => Promise<RunResult>;

export const DUAL_SERVICE = "web-dual";

/** The dual-stack Service in front of the web Deployment of clusterChecks. */
export function dualStackService(namespace: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: DUAL_SERVICE, namespace },
    spec: {
      ipFamilyPolicy: "PreferDualStack",
      selector: { app: "web" },
      ports: [{ port: 80, targetPort: 80 }],
    },
  });
}

/** Problems with a Node object's addresses and pod ranges against the plan; empty when it matches. */
export function nodeFamilyProblems(
  node: ClusterPlan["nodes"][number],
  object: { spec?: { podCIDRs?: string[] }; status?: { addresses?: { type: string; address: string }[] } },
): string[] {
  const internal = (object.status?.addresses ?? [])
    .filter((address) => address.type === "InternalIP")
    .map((address) => address.address);
  const wantedIps = nodeFamilies(node).map((part) => part.ip);
  const wantedRanges = nodeFamilies(node).map((part) => part.podCIDR);
  const problems: string[] = [];
  if (JSON.stringify(internal) !== JSON.stringify(wantedIps))
    problems.push(`InternalIPs ${internal.join(", ") || "none"}, planned ${wantedIps.join(", ")}`);
  const ranges = object.spec?.podCIDRs ?? [];
  if (JSON.stringify(ranges) !== JSON.stringify(wantedRanges))
    problems.push(`podCIDRs ${ranges.join(", ") || "none"}, planned ${wantedRanges.join(", ")}`);
  return problems;
}

/** Problems with a pod's addresses: one inside each of its node's planned ranges, in that order. */
export function podFamilyProblems(podIPs: readonly string[], node: ClusterPlan["nodes"][number]): string[] {
  const ranges = nodeFamilies(node).map((part) => part.podCIDR);
  if (podIPs.length !== ranges.length)
    return [`${podIPs.length} address(es) ${podIPs.join(", ")}, planned one in each of ${ranges.join(", ")}`];
  return ranges.flatMap((range, index) => {
    const ip = podIPs[index] ?? "";
    return insideCidr(ip, range) ? [] : [`${ip} is outside ${range}`];
  });
}

/** flannel's VXLAN device of each family with the default VNI 1 (pkg/backend/vxlan/vxlan.go). */
export const FLANNEL_DEVICES = { ipv4: "flannel.1", ipv6: "flannel-v6.1" } as const;

/**
 * Problems with flannel's tunnels on a dual-stack node: the public address flannel announces for each
 * family must be the node's planned address of it (annotations public-ip and public-ipv6), and the
 * family's VXLAN device must route every other node's range of that family. `routes` holds
 * `ip route show dev DEVICE` per family.
 */
export function flannelTunnelProblems(
  plan: ClusterPlan,
  node: ClusterPlan["nodes"][number],
  annotations: Readonly<Record<string, string>>,
  routes: Readonly<Record<"ipv4" | "ipv6", string>>,
): string[] {
  const problems: string[] = [];
  for (const part of nodeFamilies(node)) {
    const key = `${FLANNEL_ANNOTATION_PREFIX}${part.family === "ipv6" ? "public-ipv6" : "public-ip"}`;
    if (annotations[key] !== part.ip)
      problems.push(`${key} is ${annotations[key] ?? "missing"}, planned ${part.ip}`);
    const routed = new Set(routes[part.family].split("\n").map((line) => line.split(" ")[0]));
    const missing = plan.nodes
      .filter((other) => other.name !== node.name)
      .flatMap((other) => nodeFamilies(other).filter((each) => each.family === part.family))
      .map((each) => each.podCIDR)
      .filter((range) => !routed.has(range));
    if (missing.length > 0) problems.push(`${FLANNEL_DEVICES[part.family]} routes no ${missing.join(", ")}`);
  }
  return problems;
}

export interface DualStackCheckInput {
  readonly plan: ClusterPlan;
  readonly kubectl: Kubectl;
  readonly namespace: string;
  /** Runs a command in the client pod on a node. */
  readonly inClient: (
    client: string,
    command: readonly string[],
  ) => Promise<{ code: number; stdout: string; stderr: string }>;
  readonly clients: readonly string[];
  /** Runs a command on a node (undefined when the node is not there). */
  readonly onNode: (node: string, command: readonly string[]) => Promise<RunResult | undefined>;
  /** Every pod in the cluster. */
  readonly allPods: () => Promise<readonly PodInfo[]>;
  readonly readyTimeout: number;
  readonly check: (name: string, test: () => Promise<string | undefined>) => Promise<{ ok: boolean }>;
}

export async function dualStackChecks(input: DualStackCheckInput): Promise<void> {
  const { plan, kubectl, namespace } = input;
  const domain = plan.network.clusterDomain;
  for (const node of plan.nodes)
    await input.check(
      `node ${node.name} shows both InternalIPs and both pod ranges (${nodeFamilies(node)
        .map((part) => part.ip)
        .join(", ")})`,
      async () => {
        const result = await kubectl(["get", "node", node.name, "-o", "json"]);
        if (result.code !== 0) return result.stderr.trim();
        const problems = nodeFamilyProblems(
          node,
          JSON.parse(result.stdout) as Parameters<typeof nodeFamilyProblems>[1],
        );
        return problems.length === 0 ? undefined : problems.join("; ");
      },
    );
  await input.check("every pod has an address of each family, inside its node's planned ranges", async () => {
    const byName = new Map(plan.nodes.map((node) => [node.name, node]));
    const wrong = (await input.allPods())
      .filter((pod) => !pod.hostNetwork && pod.ips.length > 0)
      .flatMap((pod) => {
        const node = byName.get(pod.node);
        if (!node) return [];
        return podFamilyProblems(pod.ips, node).map((problem) => `${pod.namespace}/${pod.name}: ${problem}`);
      });
    return wrong.length === 0 ? undefined : wrong.join("\n");
  });
  if (plan.network.mode === "overlay" && plan.network.overlay === "flannel")
    for (const node of plan.nodes)
      await input.check(
        `flannel on ${node.name} tunnels each family between the planned addresses (${FLANNEL_DEVICES.ipv4}, ${FLANNEL_DEVICES.ipv6}) and routes the other nodes' ranges through them`,
        async () => {
          const object = await kubectl(["get", "node", node.name, "-o", "jsonpath={.metadata.annotations}"]);
          if (object.code !== 0) return object.stderr.trim();
          const routes = { ipv4: "", ipv6: "" };
          for (const family of ["ipv4", "ipv6"] as const) {
            const shown = await input.onNode(node.name, [
              "ip",
              family === "ipv6" ? "-6" : "-4",
              "route",
              "show",
              "dev",
              FLANNEL_DEVICES[family],
            ]);
            if (shown === undefined) return `${node.name} is not running`;
            routes[family] = shown.stdout;
          }
          const problems = flannelTunnelProblems(
            plan,
            node,
            JSON.parse(object.stdout || "{}") as Record<string, string>,
            routes,
          );
          return problems.length === 0 ? undefined : problems.join("; ");
        },
      );
  let clusterIPs: string[] = [];
  await input.check(`a PreferDualStack Service gets a ClusterIP of each family`, async () => {
    const created = await kubectl(["apply", "-f", "-"], { input: dualStackService(namespace) });
    if (created.code !== 0) return created.stderr.trim();
    const result = await kubectl([
      "-n",
      namespace,
      "get",
      "service",
      DUAL_SERVICE,
      "-o",
      "jsonpath={.spec.clusterIPs[*]}",
    ]);
    clusterIPs = result.stdout.trim().split(/\s+/).filter(Boolean);
    // The primary family's first, as the apiserver lists a PreferDualStack Service's addresses.
    const families = clusterIPs.map((ip) => (ip.includes(":") ? "ipv6" : "ipv4"));
    return families.join(",") === plan.network.families.join(",")
      ? undefined
      : `clusterIPs ${clusterIPs.join(", ") || "none"}, planned one of each family, ${plan.network.families.map(familyName).join(" first, then ")}`;
  });
  for (const client of input.clients) {
    await input.check(`pods on ${client} reach the PreferDualStack Service on both ClusterIPs`, async () => {
      if (clusterIPs.length !== 2) return "the Service has no ClusterIP of each family";
      const script = clusterIPs
        .map((ip) => {
          return `wget -q -T 5 -O /dev/null http://${urlHost(ip)}/ && echo ok ${ip} || echo FAIL ${ip}`;
        })
        .join("; ");
      const result = await waitFor(
        `the Service's two ClusterIPs from ${client}`,
        async () => {
          const run = await input.inClient(client, ["sh", "-c", script]);
          if (run.stdout.includes("FAIL") || run.code !== 0) throw new Error(run.stdout + run.stderr);
          return run;
        },
        30_000,
        3000,
      ).catch((error: Error) => error.message);
      return typeof result === "string" ? result : undefined;
    });
  }
  const first = input.clients[0];
  if (first !== undefined)
    await input.check(
      `CoreDNS answers both the A and the AAAA record of ${DUAL_SERVICE}.${namespace}.svc.${domain}`,
      async () => {
        const name = `${DUAL_SERVICE}.${namespace}.svc.${domain}`;
        const result = await input.inClient(first, ["nslookup", name]);
        const missing = clusterIPs.filter((ip) => !result.stdout.includes(ip));
        return result.code === 0 && clusterIPs.length === 2 && missing.length === 0
          ? undefined
          : `nslookup ${name}: ${result.stdout.trim()} ${result.stderr.trim()}`.trim();
      },
    );
}
