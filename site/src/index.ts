// The review site is built in its own issue; until then this package only proves it builds against
// the core without Node types (site/src must stay pure like the core).
export { planCluster } from "@kubescratch/core";
