import {
  familyName,
  formatIssue,
  networkFamilies,
  planCertificates,
  planCluster,
  podMTU,
  type ClusterPlan,
  type PlannedCertificate,
  type PreviousAllocation,
} from "@kubescratch/core";
import { parseCommandArgs } from "../args.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { issuesJson } from "../json.js";
import { readSpec } from "../spec-input.js";

export const planHelp = `Usage: kubescratch plan SPEC [--json] [--previous PLAN.json]

Validates SPEC and prints its address plan: every node with its roles, IP, pod CIDR
(NODE_X_POD_CIDR) and bridge address (NODE_X_BRIDGE_ADDR), the service range, the kubernetes and
DNS service IPs, the master IP and the etcd members; then every certificate the cluster needs: its
subject, signer, the nodes that hold it, its not-after date if it were issued now, and what renews it.

Options:
  --json                print the plan as JSON (the input of --previous), with its certificates and
                        the spec's warnings
  --previous PLAN.json  a plan printed earlier with --json: nodes that exist in it keep their pod
                        CIDRs, so adding or removing nodes never moves the others
  -h, --help            show this help

Exit codes: 0 ok, 1 invalid spec, 2 usage error, 3 unreadable file or other failure.
`;

function readPrevious(io: Io, path: string): PreviousAllocation {
  let data: unknown;
  try {
    data = JSON.parse(io.readText(path));
  } catch (caught) {
    throw new CommandFailure(
      `cannot read the previous plan ${path}: ${caught instanceof Error ? caught.message : String(caught)}`,
    );
  }
  const nodes = (data as { nodes?: unknown } | null)?.nodes;
  const valid =
    Array.isArray(nodes) &&
    nodes.every(
      (node: unknown) =>
        typeof (node as { name?: unknown } | null)?.name === "string" &&
        typeof (node as { podCIDR?: unknown }).podCIDR === "string",
    );
  if (!valid) {
    throw new CommandFailure(
      `the previous plan ${path} has no "nodes" list of {name, podCIDR}; pass a file written by \`kubescratch plan SPEC --json\``,
    );
  }
  return { nodes: nodes as { name: string; podCIDR: string }[] };
}

function table(rows: readonly (readonly string[])[]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function holdersText(holders: readonly string[], plan: ClusterPlan): string {
  if (holders.length === 0) return "(state only)";
  if (holders.length === plan.nodes.length && holders.length > 1) return "all nodes";
  return holders.join(",");
}

export function formatCertificates(certificates: readonly PlannedCertificate[], plan: ClusterPlan): string {
  if (certificates.length === 0) return "Certificates: none (firewall-only mode)\n";
  const rows = [
    ["CERTIFICATE", "SUBJECT", "SIGNER", "HOLDERS", "NOT AFTER", "RENEWED BY"],
    ...certificates.map((certificate) => [
      certificate.id,
      [
        ...certificate.subject.organizations.map((org) => `O=${org}`),
        `CN=${certificate.subject.commonName}`,
      ].join(","),
      certificate.signer,
      holdersText(certificate.holders, plan),
      certificate.notAfter.slice(0, 10),
      certificate.renewal === "kubelet-rotation" ? "the kubelet (rotation)" : "kubescratch generate",
    ]),
  ];
  const rotated = certificates.some((certificate) => certificate.renewal === "kubelet-rotation");
  return (
    `${table(rows)}\n` +
    (rotated
      ? "Renewal: each kubelet asks the API for its next client certificate when 70-90% of its lifetime has\n" +
        "passed (rotateCertificates); every other certificate is reissued by `kubescratch generate` with the\n"
      : "Renewal: every certificate is reissued by `kubescratch generate` with the\n") +
    "state in the last third of its lifetime (it warns 30 days ahead): install the new bundles before NOT AFTER.\n"
  );
}

export function formatPlan(plan: ClusterPlan): string {
  const network = plan.network;
  const families = networkFamilies(plan);
  const summary = [
    [
      "Cluster",
      `${plan.clusterName} (Kubernetes ${plan.profile.version}, ${plan.profile.era === "legacy" ? "the from-scratch guide's release" : "current"})`,
    ],
    [
      "Security",
      `${plan.security.mode}, credentials ${plan.security.credentialLayout}, keys ${plan.security.keyAlgorithm}`,
    ],
    ["Master IP", plan.controlPlane.masterIP],
    [
      "API server",
      plan.controlPlane.endpoint === undefined
        ? plan.controlPlane.apiserverURL
        : `${plan.controlPlane.apiserverURL} (endpoint: ${plan.controlPlane.endpoint.loadBalancer === "external" ? "your load balancer" : `virtual IP and haproxy on ${plan.controlPlane.nodes.join(", ")}`})`,
    ],
    [
      "Network",
      `${network.mode === "overlay" ? `overlay (${network.overlay ?? ""})` : "routed pod IPs"}, pod MTU ${podMTU(network)}`,
    ],
    [
      "Pod range",
      `${network.podCIDR}: ${network.nodeCIDRCapacity} node ranges of /${network.nodePodCIDRPrefix}, ${plan.nodes.length} used; ${network.podAddressesPerNode} pod addresses per node (max pods ${network.maxPodsPerNode})`,
    ],
    ...(network.secondary === undefined
      ? []
      : [
          [
            "Pod range (2nd)",
            `${network.secondary.podCIDR}: ${network.secondary.nodeCIDRCapacity} node ranges of /${network.secondary.nodePodCIDRPrefix}, ${plan.nodes.length} used`,
          ],
        ]),
    ["Service range", `${network.serviceCIDR}: ${network.serviceCapacity} service IPs`],
    ...(network.secondary === undefined
      ? []
      : [
          [
            "Service range (2nd)",
            `${network.secondary.serviceCIDR}: ${network.secondary.serviceCapacity} service IPs`,
          ],
        ]),
    ["kubernetes svc", families.map((part) => part.kubernetesServiceIP).join(", ")],
    [
      "DNS service IP",
      `${families.map((part) => part.dnsServiceIP).join(", ")} (domain ${network.clusterDomain})`,
    ],
    ...(network.secondary === undefined
      ? []
      : [["Families", `dual-stack: ${network.families.map(familyName).join(" (primary), ")}`]]),
    ["etcd", plan.etcd.members.map((member) => `${member.name}=${member.clientURL}`).join(", ")],
  ];
  const nodes = [
    ["NODE", "ROLES", "IP", "POD CIDR", "BRIDGE ADDR", "CIDR FROM"],
    ...plan.nodes.flatMap((node) => [
      [node.name, node.roles.join(","), node.ip, node.podCIDR, node.bridgeAddress, node.podCIDRSource],
      // A dual-stack node's other family on a line of its own, under the node.
      ...(node.secondary === undefined
        ? []
        : [
            [
              "",
              "",
              node.secondary.ip,
              node.secondary.podCIDR,
              node.secondary.bridgeAddress,
              node.secondary.podCIDRSource,
            ],
          ]),
    ]),
  ];
  return `${table(summary.map(([label, value]) => [`${label}:`, value ?? ""]))}\n\n${table(nodes)}\n`;
}

export function planCommand(io: Io, args: readonly string[]): ExitCode {
  const { values, positionals } = parseCommandArgs(args, {
    json: { type: "boolean" },
    previous: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(planHelp);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError("plan needs exactly one SPEC file");
  const [path] = positionals as [string];
  const previous = values.previous === undefined ? undefined : readPrevious(io, values.previous);
  const { spec, fileName } = readSpec(io, path);
  for (const warning of spec.warnings) io.err(`${formatIssue(warning, fileName)}\n`);
  const plan = planCluster(spec.spec, previous ? { previous } : {});
  const certificates = planCertificates({ plan, spec: spec.spec }, io.now());
  io.out(
    values.json
      ? `${JSON.stringify({ ...plan, certificates, warnings: issuesJson(spec.warnings, fileName) }, null, 2)}\n`
      : `${formatPlan(plan)}\n${formatCertificates(certificates, plan)}`,
  );
  return EXIT.ok;
}
