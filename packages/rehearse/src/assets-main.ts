// `pnpm --silent rehearse:assets [VERSION]`: builds (if missing) the binaries and images of a Kubernetes
// release (default: kubescratch's default version) and prints the two folders, one per line.
import { DEFAULT_KUBERNETES_VERSION } from "@kubescratch/core";
import { buildAssets } from "./assets.js";

const version = process.argv[2] ?? DEFAULT_KUBERNETES_VERSION;
try {
  const started = Date.now();
  const folders = await buildAssets(version, (line) => process.stderr.write(`rehearse:assets: ${line}\n`));
  process.stderr.write(
    `rehearse:assets: Kubernetes ${folders.version} ready in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  process.stdout.write(`${folders.binaries}\n${folders.images}\n`);
} catch (caught) {
  process.stderr.write(`rehearse:assets: ${caught instanceof Error ? caught.message : String(caught)}\n`);
  process.exitCode = 1;
}
