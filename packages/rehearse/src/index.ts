// @kubescratch/rehearse: boot a generated cluster on one Linux host before applying it.
export { buildAssets, type AssetFolders } from "./assets.js";
export { cacheRoot } from "./cache.js";
export {
  writeImageArchive,
  archiveImageNames,
  normalizeImageName,
  type ImageSpec,
  type ImageFile,
} from "./images.js";
export { legacyNodeOverlays, overlaysFor, type Overlay } from "./overlays.js";
export { imagesListed, insideCidr, installOrder, lanPrefix, lanPrefix6, scriptChecks } from "./layout.js";
export { flannelTunnelProblems, nodeFamilyProblems, podFamilyProblems } from "./dualstack-checks.js";
export {
  rehearse,
  type CheckResult,
  type NodeReport,
  type PhaseReport,
  type RehearsalReport,
  type RehearseOptions,
} from "./rehearse.js";
export { kubeletSettings, lifetimeUsed, renewalDue, type KubeletSettings } from "./kubelet-checks.js";
export { formatReport } from "./report.js";
export { ensureBaseRoot, ensureLegacyRoot, Lan, SandboxNode, type NodeOptions } from "./sandbox.js";
