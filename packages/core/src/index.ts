// @kubescratch/core: pure functions from a cluster spec to everything a cluster needs.
export {
  parseSpec,
  parseSpecText,
  positionIssues,
  type ParseOptions,
  type ValidatedSpec,
} from "./validation/parse.js";
export { SpecError, formatIssue, type SpecIssue } from "./validation/errors.js";
export { SPEC_LIMITS, positionOf } from "./validation/read-text.js";
export type { ClusterSpec, ClusterSpecInput } from "./validation/generated/types.js";
export { clusterSchema } from "./validation/generated/cluster-schema.js";
export type { JsonSchema } from "./validation/json-schema.js";
export {
  networkFamilies,
  nodeFamilies,
  planCluster,
  type ClusterPlan,
  type EtcdMemberPlan,
  type NetworkFamilyPlan,
  type NodeFamilyPlan,
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
export { versionProfile, type VersionProfile } from "./versions/profile.js";
export {
  cidrContains,
  familyName,
  formatIp,
  parseCidr,
  parseIp,
  type Cidr,
  type IpFamily,
} from "./net/ip.js";
export type { Artifact, ArtifactKind } from "./artifact.js";
export {
  issuePki,
  BACKDATE_MS,
  EXPIRY_WARNING_DAYS,
  type CertificateStatus,
  type IssuedCertificate,
  type Kubeconfig,
  type Pki,
  type PkiOptions,
  type ServiceAccountKey,
} from "./pki/issue.js";
export { pkiArtifacts, type PkiArtifacts } from "./pki/artifacts.js";
export {
  CERTIFICATE_PROFILES,
  expandProfiles,
  planCertificates,
  type PlannedCertificate,
  type CertificateProfile,
  type CertificateRequest,
  type CertificateScope,
  type CertificateUsage,
  type Holders,
} from "./pki/profiles.js";
export { KUBECONFIG_PROFILES, renderKubeconfig, type KubeconfigProfile } from "./pki/kubeconfigs.js";
export {
  KEY_ALGORITHMS,
  readPrivateKey,
  type KeyAlgorithm,
  type KeyCapability,
  type SignatureDigest,
} from "./pki/keys.js";
export {
  generateToken,
  type PasswordCredential,
  type RandomSource,
  type TokenCredential,
} from "./pki/credentials.js";
export { providedCa as readProvidedCa, type ProvidedCa } from "./pki/provided-ca.js";
export { emptyPkiState, readPkiState, type PkiState, type StoredCertificate } from "./pki/state.js";
export type { DistinguishedName, SubjectNames, KeyUsage, ExtendedKeyUsage } from "./pki/x509.js";
export {
  generateCluster,
  readClusterState,
  type ClusterState,
  type GenerateOptions,
  type GeneratedCluster,
  type NodeOutput,
} from "./generate.js";
export { renderCluster, type RenderedCluster } from "./components/index.js";
export {
  bundleAdmin,
  bundleCluster,
  bundleNode,
  BUNDLE_LEVEL,
  finishBundle,
  SHARED_LEVEL,
  packAdmin,
  packNode,
  type Bundle,
  type BundleOptions,
  type ManifestEntry,
  type PackedBundle,
} from "./bundle/index.js";
export { CHECK_IMAGES } from "./install-paths.js";
export { podMTU } from "./components/network-mtu.js";
export {
  FLANNEL_ANNOTATION_PREFIX,
  FLANNEL_IMAGE,
  FLANNEL_CNI_PLUGIN_IMAGE,
} from "./components/network-overlays.js";
export { CONTROL_PLANE_ROLE_LABEL, controlPlaneTaint } from "./components/kubelet.js";
export { cloudInit } from "./bundle/cloud-init.js";
export {
  crc32Combine,
  deflatePart,
  pakoDeflater,
  gzipFromParts,
  tar,
  tarGz,
  type DeflatedPart,
  type Deflater,
  type TarEntry,
} from "./bundle/tar.js";
