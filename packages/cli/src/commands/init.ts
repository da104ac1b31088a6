import { createRequire } from "node:module";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { parseCommandArgs } from "../args.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { printJson } from "../json.js";

export const initHelp = `Usage: kubescratch init [FILE] [--force] [--schema URL] [--json]

Writes a commented starter cluster spec to FILE (default: standard output). Its first line tells
editors with the YAML language server where the schema is, so they complete and check every field.

Options:
  --force        overwrite FILE if it exists
  --schema URL   schema location for the editor line (default: the schema shipped with kubescratch,
                 as a path relative to FILE's folder, wherever kubescratch is installed)
  --json         print {file, schema, text} on stdout (file is null without FILE; text is the spec)
  -h, --help     show this help

Exit codes: 0 ok, 2 usage error, 3 the file exists or cannot be written.
`;

/** The starter spec. Commented lines show the decisions of the guide with their defaults. */
export function starterSpec(schemaLocation: string): string {
  return `# yaml-language-server: $schema=${schemaLocation}
# A kubescratch cluster spec. Every decision of "Kubernetes from scratch" is a field here;
# commented lines show optional fields with their defaults. Check it with \`kubescratch validate\`.
apiVersion: kubescratch.dev/v1alpha1
kind: Cluster
name: demo # CLUSTER_NAME: short, unique, a DNS label
kubernetesVersion: "1.34" # quote it: unquoted, YAML reads 1.30 as 1.3

# security:
#   mode: https                 # or firewall-only (Kubernetes < 1.20)
#   keyAlgorithm: rsa-2048      # rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384
#   caValidityDays: 3650
#   leafValidityDays: 365
#   allowPrivileged: false

# network:
#   mode: routed                # or overlay (with overlay: flannel | weave | openvswitch)
#   podCIDR: 10.10.0.0/16       # CLUSTER_SUBNET
#   nodePodCIDRPrefix: 24       # one /24 per node; /26 or /27 when short of addresses
#   maxPodsPerNode: 110
#   serviceCIDR: 10.0.0.0/16    # SERVICE_CLUSTER_IP_RANGE: cannot change while services run
#   clusterDomain: cluster.local
#   mtu: 1500
#   masquerade: true

# runtime:
#   type: containerd            # docker (< 1.24) or rkt (< 1.11) for Kubernetes 1.1 and 1.2

nodes: # at least 4 recommended; roles: control-plane, etcd, worker
  - name: master
    ip: 192.168.10.10
    roles: [control-plane, etcd]
  - name: worker-1
    ip: 192.168.10.11
    roles: [worker]
  - name: worker-2
    ip: 192.168.10.12
    roles: [worker]
  - name: worker-3
    ip: 192.168.10.13
    roles: [worker]
`;
}

/** Where the shipped schema is, relative to the directory the spec is written to. */
function shippedSchemaLocation(targetDirectory: string): string {
  const schemaPath = createRequire(import.meta.url).resolve("@kubescratch/core/cluster.schema.json");
  const path = relative(targetDirectory, schemaPath).split(sep).join("/");
  return isAbsolute(path) || path.startsWith(".") ? path : `./${path}`;
}

export function initCommand(io: Io, args: readonly string[]): ExitCode {
  const { values, positionals } = parseCommandArgs(args, {
    force: { type: "boolean" },
    schema: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(initHelp);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError("init takes at most one FILE");
  const [file] = positionals;
  const target = file === undefined || file === "-" ? undefined : resolve(io.cwd(), file);
  const schema = values.schema ?? shippedSchemaLocation(target ? dirname(target) : io.cwd());
  const text = starterSpec(schema);
  if (!target) {
    if (values.json) printJson(io, { file: null, schema, text });
    else io.out(text);
    return EXIT.ok;
  }
  if (io.exists(target) && !values.force) {
    throw new CommandFailure(`${file ?? ""} already exists; pass --force to overwrite it`);
  }
  try {
    io.writeTextAtomic(target, text);
  } catch (caught) {
    throw new CommandFailure(
      `cannot write ${file ?? ""}: ${(caught as { code?: string }).code ?? String(caught)}`,
    );
  }
  if (values.json) printJson(io, { file: target, schema, text });
  else io.err(`wrote ${file ?? ""}; check it with: kubescratch validate ${file ?? ""}\n`);
  return EXIT.ok;
}
