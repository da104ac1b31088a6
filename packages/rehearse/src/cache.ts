// Where the rehearsal keeps what it builds once per machine: binaries, images and the node root. Never
// inside the checkout.
import { homedir } from "node:os";
import { join } from "node:path";

/** KUBESCRATCH_REHEARSE_CACHE, else $XDG_CACHE_HOME/kubescratch/rehearse, else ~/.cache/kubescratch/rehearse. */
export function cacheRoot(): string {
  const explicit = process.env.KUBESCRATCH_REHEARSE_CACHE;
  if (explicit) return explicit;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kubescratch", "rehearse");
}
