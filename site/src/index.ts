// @kubescratch/site: the review site of a generation, rendered as data (pure, like the core).
export { renderSite, type Site, type SiteFile, type SiteInput, type SiteOptions } from "./render.js";
export type { PreviousGeneration } from "./model.js";
export { readTarGz, type BundleFile } from "./tar-read.js";
export { REQUIREMENTS, type Requirement } from "./requirements.js";
