// Every file of every node and of the admin bundle: the PKI's share plus each component's artifacts,
// sorted by path. Pure: the same inputs give the same list.
import type { Artifact } from "../artifact.js";
import { pkiArtifacts } from "../pki/artifacts.js";
import type { Pki } from "../pki/issue.js";
import type { ClusterPlan } from "../plan/plan.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import { apiserverEndpointArtifacts } from "./apiserver-endpoint.js";
import { cloudConfigArtifacts, clusterObjectArtifacts } from "./cluster-objects.js";
import type { ClusterContext, NodeContext } from "./context.js";
import { hygieneArtifacts } from "./hygiene.js";
import { kubeProxyArtifacts } from "./kube-proxy.js";
import { kubeletArtifacts } from "./kubelet.js";
import { networkArtifacts, networkClusterArtifacts } from "./network.js";
import { runtimeArtifacts } from "./runtime.js";
import { staticPodArtifacts } from "./static-pods.js";

export interface RenderedCluster {
  /** Node name to its files, in plan order. */
  readonly nodes: ReadonlyMap<string, readonly Artifact[]>;
  readonly admin: readonly Artifact[];
}

/** The components that make each node's files, in the order a reader meets them. */
const NODE_COMPONENTS: readonly ((context: NodeContext) => Artifact[])[] = [
  runtimeArtifacts,
  kubeletArtifacts,
  kubeProxyArtifacts,
  staticPodArtifacts,
  apiserverEndpointArtifacts,
  cloudConfigArtifacts,
  networkArtifacts,
  hygieneArtifacts,
];

function byPath(a: Artifact, b: Artifact): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function withoutDuplicatePaths(owner: string, artifacts: Artifact[]): Artifact[] {
  const seen = new Set<string>();
  for (const entry of artifacts) {
    if (seen.has(entry.path)) throw new Error(`bug: two artifacts for ${entry.path} in ${owner}`);
    seen.add(entry.path);
  }
  return artifacts.sort(byPath);
}

export function renderCluster(spec: ClusterSpec, plan: ClusterPlan, pki: Pki): RenderedCluster {
  const context: ClusterContext = { spec, plan, pki, profile: plan.profile };
  const shares = pkiArtifacts(pki, plan);
  const nodes = new Map<string, readonly Artifact[]>();
  for (const node of plan.nodes) {
    const nodeContext: NodeContext = { ...context, node };
    const files = [
      ...(shares.nodes.get(node.name) ?? []),
      ...NODE_COMPONENTS.flatMap((component) => component(nodeContext)),
    ];
    nodes.set(node.name, withoutDuplicatePaths(node.name, files));
  }
  return {
    nodes,
    admin: withoutDuplicatePaths("the admin bundle", [
      ...shares.admin,
      ...clusterObjectArtifacts(context),
      ...networkClusterArtifacts(context),
    ]),
  };
}
