// @kubescratch/core: pure functions from a cluster spec to everything a cluster needs.
export { parseSpec, parseSpecText, type ParseOptions, type ValidatedSpec } from "./spec/parse.js";
export { SpecError, formatIssue, type SpecIssue } from "./spec/errors.js";
export type { ClusterSpec, ClusterSpecInput } from "./spec/generated/types.js";
export { clusterSchema } from "./spec/generated/cluster-schema.js";
export type { JsonSchema } from "./spec/json-schema.js";
export {
  planCluster,
  type ClusterPlan,
  type EtcdMemberPlan,
  type NodePlan,
  type NodeRole,
  type PlanOptions,
  type PreviousAllocation,
} from "./plan/plan.js";
export {
  DEFAULT_KUBERNETES_VERSION,
  RELEASE_LINES,
  resolveKubernetesVersion,
  type Era,
  type KubernetesVersion,
  type ReleaseLine,
} from "./versions/kubernetes.js";
export type { VersionProfile } from "./versions/profile.js";
