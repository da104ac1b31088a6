// What every component works from, and the small helpers they share. A component is a function from
// (spec, plan, PKI, node) to Artifacts; it asks the version profile for anything version-dependent.
import type { Artifact, ArtifactKind } from "../artifact.js";
import type { Pki } from "../pki/issue.js";
import type { ClusterPlan, NodePlan } from "../plan/plan.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import type { VersionProfile } from "../versions/profile.js";

export interface ClusterContext {
  readonly spec: ClusterSpec;
  readonly plan: ClusterPlan;
  readonly pki: Pki;
  readonly profile: VersionProfile;
}

export interface NodeContext extends ClusterContext {
  readonly node: NodePlan;
}

export function isControlPlane(context: NodeContext): boolean {
  return context.node.roles.includes("control-plane");
}

export function isEtcdMember(context: NodeContext): boolean {
  return context.node.roles.includes("etcd");
}

/** A Kubernetes image from the spec's registry (S10: air-gapped clusters point it at a mirror). */
export function image(context: ClusterContext, relative: string): string {
  return `${context.spec.images.registry}/${relative}`;
}

export interface ArtifactFacts {
  readonly kind: ArtifactKind;
  readonly why: string;
  readonly requirements: readonly string[];
  readonly mode?: number;
  readonly secret?: boolean;
  readonly sameOnEveryNode?: boolean;
}

export function artifact(path: string, content: string, facts: ArtifactFacts): Artifact {
  return {
    path,
    mode: facts.mode ?? (facts.secret ? 0o600 : facts.kind === "script" ? 0o755 : 0o644),
    content,
    kind: facts.kind,
    secret: facts.secret ?? false,
    why: facts.why,
    requirements: facts.requirements,
    ...(facts.sameOnEveryNode ? { sameOnEveryNode: true } : {}),
  };
}

export { hostPort } from "../net/ip.js";

export const CLOUD_CONFIG_PATH = "/etc/kubernetes/cloud-config";

/** The seed's in-tree providers and today's "external"; none means bare metal (S1). */
export function cloudProvider(context: ClusterContext): string | undefined {
  const name = context.spec.cloudProvider.name;
  return name === "none" ? undefined : name;
}

export function hasCloudConfig(context: ClusterContext): boolean {
  return cloudProvider(context) !== undefined && context.spec.cloudProvider.config !== undefined;
}
