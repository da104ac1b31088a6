// Ships the public schema inside @kubescratch/core (exports "./cluster.schema.json"), so editors and
// `kubescratch init` can point at a local file; no network is needed to complete a spec.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "packages/core/dist"), { recursive: true });
copyFileSync(join(root, "schemas/cluster.schema.json"), join(root, "packages/core/dist/cluster.schema.json"));
