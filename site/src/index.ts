// @kubescratch/site: the review site of a generation, rendered as data (pure, like the core).
export {
  renderSite,
  renderSiteFiles,
  type Site,
  type SiteEntry,
  type SiteFile,
  type SiteInput,
  type SiteOptions,
} from "./render.js";
export type { PreviousGeneration, ReadOptions } from "./model.js";
export { readTarGz, type BundleFile } from "./tar-read.js";
export { REQUIREMENTS, type Requirement } from "./requirements.js";
