// The overview page: the cluster's facts, warnings, changes against the previous generation,
// topology, nodes, address plan and the certificates that need attention.
import { EXPIRY_WARNING_DAYS, familyName, type SpecIssue } from "@kubescratch/core";
import { h, relativeHref } from "../html.js";
import type { BundleView } from "../model.js";
import { topologySvg } from "../topology.js";
import { certificateTable, expiring } from "./certificates.js";
import { badge, changeBadge, page, podCIDRNote, size, type Context, type SiteFile } from "./common.js";

/** A dual-stack node's second value, on a line of its own under the first. */
function second(value: string | undefined): string {
  return value === undefined ? "" : `<br>${h(value)}`;
}

/** Up to this many certificates the overview shows them all; past it, only those expiring soon. */
export const OVERVIEW_CERTIFICATE_LIMIT = 120;

function percent(used: number, total: number): string {
  if (total <= 0) return "–";
  const value = (used / total) * 100;
  return `${value < 0.01 && used > 0 ? "<0.01" : value.toFixed(value < 10 ? 2 : 1)}%`;
}

function usageBar(used: number, total: number): string {
  const width = total > 0 ? Math.max(used > 0 ? 2 : 0, Math.min(100, Math.round((used / total) * 100))) : 0;
  return `<span class="usage" role="img" aria-label="${h(percent(used, total))} used"><span class="w${width}"></span></span>`;
}

function issuesList(issues: readonly SpecIssue[]): string {
  if (issues.length === 0) return "<p>No warnings or validation notes.</p>";
  return `<ul class="issues">${issues
    .map(
      (issue) =>
        `<li class="${h(issue.severity)}"><strong>${h(issue.severity)}</strong> <code>${h(issue.pointer || "/")}</code>${issue.line ? ` (line ${issue.line})` : ""}: ${h(issue.message)} <em>Fix:</em> ${h(issue.fix)}</li>`,
    )
    .join("")}</ul>`;
}

export function overviewPage(context: Context): SiteFile {
  const { cluster } = context;
  const plan = cluster.plan;
  const path = "index.html";
  const nodes = context.bundles.filter((bundle) => bundle.node);
  const admin = context.bundles.find((bundle) => bundle.id === "admin");
  const network =
    plan.network.mode === "overlay" ? `overlay (${plan.network.overlay ?? "?"})` : "routed pod IPs";
  const facts: [string, string][] = [
    ["Cluster", h(plan.clusterName)],
    ["Kubernetes", `${h(plan.profile.version)} (${h(plan.profile.era)} era)`],
    [
      "Security mode",
      `${h(plan.security.mode)}; credentials ${h(plan.security.credentialLayout)}; keys ${h(plan.security.keyAlgorithm)}`,
    ],
    [
      "Network mode",
      `${h(network)}; MTU ${plan.network.mtu}; masquerade ${plan.network.masquerade ? "on" : "off"}`,
    ],
    ["Runtime", h(cluster.spec.runtime.type)],
    ["API server", `${h(plan.controlPlane.apiserverURL)} (master IP ${h(plan.controlPlane.masterIP)})`],
    [
      "etcd members",
      h(plan.etcd.members.map((member) => `${member.name} ${member.clientURL}`).join(", ") || "–"),
    ],
    ["Nodes", String(plan.nodes.length)],
    ["First generated", h(cluster.state.createdAt)],
    [
      "Secrets",
      context.includeSecrets
        ? "<strong>shown</strong> (--include-secrets)"
        : "redacted; tarballs not included",
    ],
    ...(context.specName ? ([["Spec", `<code>${h(context.specName)}</code>`]] as [string, string][]) : []),
  ];
  const nodeRow = (bundle: BundleView): string => {
    const node = bundle.node;
    if (!node) return "";
    return `<tr data-search="${h(`${node.name} ${node.roles.join(" ")} ${node.ip} ${node.podCIDR}`)}"><td><a data-nav href="${relativeHref(path, `${bundle.id}/index.html`)}">${h(node.name)}</a> ${changeBadge(bundle.change)}</td><td>${h(node.roles.join(", "))}</td><td>${h(node.ip)}${second(node.secondary?.ip)}</td><td>${h(node.podCIDR)}${second(node.secondary?.podCIDR)} <span class="why">${h(podCIDRNote(context, node))}</span></td><td>${h(node.bridgeAddress)}${second(node.secondary?.bridgeAddress)}</td><td>${bundle.files.length}</td><td>${bundle.secretCount}</td><td>${size(bundle.bytes.length)}</td></tr>`;
  };
  const dnsEnabled = cluster.spec.addons.dns.enabled;
  const serviceUsed = 1 + (dnsEnabled ? 1 : 0);
  const podsPerNode = Math.min(plan.network.maxPodsPerNode, plan.network.podAddressesPerNode);
  const addressRows: [string, string, number, number, string][] = [
    [
      "Pod range (CLUSTER_SUBNET)",
      plan.network.podCIDR,
      plan.nodes.length,
      plan.network.nodeCIDRCapacity,
      `node ranges of /${plan.network.nodePodCIDRPrefix} in use`,
    ],
    [
      `Each node's pod range (/${plan.network.nodePodCIDRPrefix})`,
      "NODE_X_POD_CIDR",
      podsPerNode,
      plan.network.podAddressesPerNode,
      `max pods per node (${plan.network.maxPodsPerNode}) of the usable pod addresses`,
    ],
    [
      "Service range (SERVICE_CLUSTER_IP_RANGE)",
      plan.network.serviceCIDR,
      serviceUsed,
      plan.network.serviceCapacity,
      `fixed addresses: kubernetes ${plan.network.kubernetesServiceIP}${dnsEnabled ? `, DNS ${plan.network.dnsServiceIP}` : ""}`,
    ],
    // A dual-stack cluster's second family, row for row.
    ...(plan.network.secondary === undefined
      ? []
      : ([
          [
            `Pod range, ${familyName(plan.network.secondary.family)}`,
            plan.network.secondary.podCIDR,
            plan.nodes.length,
            plan.network.secondary.nodeCIDRCapacity,
            `node ranges of /${plan.network.secondary.nodePodCIDRPrefix} in use`,
          ],
          [
            `Service range, ${familyName(plan.network.secondary.family)}`,
            plan.network.secondary.serviceCIDR,
            serviceUsed,
            plan.network.secondary.serviceCapacity,
            `fixed addresses: kubernetes ${plan.network.secondary.kubernetesServiceIP}${dnsEnabled ? `, DNS ${plan.network.secondary.dnsServiceIP}` : ""}`,
          ],
        ] as [string, string, number, number, string][])),
  ];
  const certificates = cluster.pki.certificates;
  const soon = expiring(context);
  const diffSummary = context.previous
    ? `<h2 id="changes">Changes against the previous generation</h2><ul>${
        [
          ...context.bundles
            .filter((bundle) => bundle.change !== "unchanged" || bundle.removed.length > 0)
            .map((bundle) => {
              const link = `<a href="${relativeHref(path, `${bundle.id}/index.html`)}">${h(bundle.name)}</a> ${changeBadge(bundle.change)}`;
              if (bundle.change === "added")
                return `<li>${link} a new bundle: ${bundle.files.length} files, all added</li>`;
              const changed = bundle.files.filter((file) => file.change === "changed").length;
              const added = bundle.files.filter((file) => file.change === "added").length;
              return `<li>${link} ${changed} changed, ${added} added, ${bundle.removed.length} removed files</li>`;
            }),
          ...context.removedBundles.map(
            (name) => `<li>${h(name)} ${badge("removed", "removed")} the node is no longer in the spec</li>`,
          ),
        ].join("") || "<li>Nothing changed: every tarball is byte-identical.</li>"
      }</ul>`
    : "";
  const body = `<h1>${h(plan.clusterName)}</h1>
<dl class="facts">${facts.map(([term, value]) => `<dt>${h(term)}</dt><dd>${value}</dd>`).join("")}</dl>
<h2 id="warnings">Warnings and validation notes</h2>
${issuesList(cluster.warnings)}
${diffSummary}
<h2 id="topology">Topology</h2>
<p class="legend"><span>blue border: the master IP</span><span>purple: etcd members and their peer links</span><span>green: the pod network</span></p>
<div class="scroll">${topologySvg(plan, (name) => relativeHref(path, `nodes/${name}/index.html`))}</div>
<h2 id="nodes">Nodes</h2>
<p><label for="node-filter">Filter nodes</label><br><input type="search" id="node-filter" data-filter="node-table" placeholder="name, role, IP or range"></p>
<div class="scroll"><table id="node-table"><thead><tr><th>node</th><th>roles</th><th>IP</th><th>pod CIDR</th><th>bridge</th><th>files</th><th>secret files</th><th>tarball</th></tr></thead><tbody>
${nodes.map(nodeRow).join("\n")}
</tbody></table></div>
<p>Admin bundle: ${admin ? `<a data-nav href="${relativeHref(path, "admin/index.html")}">admin</a> (${admin.files.length} files) ${changeBadge(admin.change)}` : "&ndash;"}</p>
<h2 id="addresses">Address plan</h2>
<div class="scroll"><table><thead><tr><th>range</th><th>CIDR</th><th>used</th><th>of</th><th></th><th>what counts</th></tr></thead><tbody>
${addressRows.map(([name, cidr, used, total, what]) => `<tr><td>${h(name)}</td><td>${h(cidr)}</td><td>${used}</td><td>${total}</td><td>${usageBar(used, total)} ${h(percent(used, total))}</td><td>${h(what)}</td></tr>`).join("\n")}
</tbody></table></div>
<p>Cluster DNS domain <code>${h(plan.network.clusterDomain)}</code>; the kubernetes service at ${h(plan.network.kubernetesServiceIP)}; DNS at ${h(plan.network.dnsServiceIP)}.</p>
<h2 id="certificates">Certificates</h2>
<p>${certificates.length} certificates; ${soon.length === 0 ? `none expires within ${EXPIRY_WARNING_DAYS} days` : `<strong>${soon.length} expire within ${EXPIRY_WARNING_DAYS} days</strong> (highlighted)`}. <a href="${relativeHref(path, "certificates.html")}">The full inventory</a>.</p>
${certificates.length <= OVERVIEW_CERTIFICATE_LIMIT ? certificateTable(context, certificates, path, "certificate-table") : soon.length > 0 ? certificateTable(context, soon, path, "certificate-table") : ""}`;
  return page(context, path, "Overview", body);
}

/** Width classes for the usage bars (no inline styles: the pages' CSP allows only the stylesheet). */
export function usageWidths(): string {
  let css = "";
  for (let width = 0; width <= 100; width += 1) css += `.usage>.w${width}{width:${width}%}`;
  return `${css}\n`;
}
