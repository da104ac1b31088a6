// renderSite: the review site of one generation, as data. Pure: every page is an HTML string built
// from the same GeneratedCluster (and the very tarballs) that `kubescratch generate` writes; the
// caller writes the files. Same cluster and options give the same pages byte for byte.
import {
  bundleCluster,
  EXPIRY_WARNING_DAYS,
  type Bundle,
  type GeneratedCluster,
  type IssuedCertificate,
  type SpecIssue,
} from "@kubescratch/core";
import { SITE_CSS, SITE_JS } from "./assets.js";
import { diffLines, hunks } from "./diff.js";
import { highlight, languageOf } from "./highlight.js";
import { h, layout, relativeHref } from "./html.js";
import {
  buildBundles,
  removedBundles,
  type BundleView,
  type FileView,
  type PreviousGeneration,
  type ReadOptions,
  type SharedFileView,
} from "./model.js";
import { PLACEHOLDER, plainRedacted, type Redacted } from "./redact.js";
import { REQUIREMENTS } from "./requirements.js";
import { topologySvg } from "./topology.js";

export interface SiteInput {
  readonly cluster: GeneratedCluster;
  /**
   * The tarballs exactly as `kubescratch generate` wrote them (same compressor); the site shows
   * their files and offers them for download. Default: bundleCluster(cluster).
   */
  readonly bundles?: { readonly nodes: readonly Bundle[]; readonly admin: Bundle };
}

export interface SiteOptions {
  /** The clock for "days left" on certificates. Required: the site never reads the time itself. */
  readonly now: Date;
  /**
   * Show private keys, tokens, passwords and kubeconfig credentials, and offer the tarballs (which
   * hold them) for download. Every page then says so.
   * @default false
   */
  readonly includeSecrets?: boolean;
  /** A previous generation's tarballs: changed, added and removed files are marked, with line diffs. */
  readonly previous?: PreviousGeneration;
  /** The spec's file name, shown on the overview. */
  readonly specName?: string;
  /** Faster gunzip and SHA-256 (e.g. Node's, as the CLI passes): only the speed differs. */
  readonly read?: ReadOptions;
}

export interface SiteFile {
  /** Path relative to the site's root, "/"-separated. */
  readonly path: string;
  readonly content: string | Uint8Array;
}

export interface Site {
  /**
   * HTML pages: the overview, certificates, requirements and search; one page per bundle (each node's
   * and the admin's) with its file tree and the content of each of its files; one page per file that
   * several bundles hold byte for byte (such as the routed cluster's pod-routes table).
   */
  readonly pages: readonly SiteFile[];
  /** Stylesheet, script, search index and (with secrets, or when they hold none) the tarballs. */
  readonly assets: readonly SiteFile[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOLDER_LIMIT = 8;
const OVERVIEW_CERTIFICATE_LIMIT = 120;

interface Context {
  readonly cluster: GeneratedCluster;
  readonly bundles: readonly BundleView[];
  readonly includeSecrets: boolean;
  readonly now: Date;
  readonly previous: boolean;
  readonly removedBundles: readonly string[];
  readonly specName?: string;
  readonly nodeCount: number;
  readonly nodeNames: readonly string[];
  readonly nodeNameSet: ReadonlySet<string>;
  readonly certificateById: ReadonlyMap<string, IssuedCertificate>;
}

function page(
  context: Context,
  path: string,
  title: string,
  body: string,
  extra: Partial<Parameters<typeof layout>[0]> = {},
): SiteFile {
  return {
    path,
    content: layout({
      path,
      title,
      clusterName: context.cluster.plan.clusterName,
      body,
      includeSecrets: context.includeSecrets,
      ...extra,
    }),
  };
}

function octalMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

function symbolicMode(mode: number): string {
  const bits = "rwxrwxrwx";
  let out = "-";
  for (let index = 0; index < 9; index += 1) out += mode & (1 << (8 - index)) ? bits[index] : "-";
  return out;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function percent(used: number, total: number): string {
  if (total <= 0) return "–";
  const value = (used / total) * 100;
  return `${value < 0.01 && used > 0 ? "<0.01" : value.toFixed(value < 10 ? 2 : 1)}%`;
}

function usageBar(used: number, total: number): string {
  const width = total > 0 ? Math.max(used > 0 ? 2 : 0, Math.min(100, Math.round((used / total) * 100))) : 0;
  return `<span class="usage" role="img" aria-label="${h(percent(used, total))} used"><span class="w${width}"></span></span>`;
}

function badge(text: string, className = ""): string {
  return `<span class="badge${className ? ` ${className}` : ""}">${h(text)}</span>`;
}

function changeBadge(change: string | undefined): string {
  return change === "added" || change === "changed" ? badge(change, change) : "";
}

function daysLeft(notAfter: string | undefined, now: Date): number | undefined {
  if (!notAfter) return undefined;
  return Math.floor((Date.parse(notAfter) - now.getTime()) / DAY_MS);
}

/** Links to the requirements a file serves (the list below a file's facts gives each one's text). */
function requirementLinks(from: string, ids: readonly string[]): string {
  if (ids.length === 0) return "&ndash;";
  const href = relativeHref(from, "requirements.html");
  return ids.map((id) => `<a href="${href}#${h(id)}">${h(id)}</a>`).join(", ");
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

/** Replaces redaction placeholders in rendered HTML with visible markers. */
function markRedactions(html: string, redacted: Redacted): string {
  if (redacted.redactions.length === 0) return html;
  return html.replace(
    PLACEHOLDER,
    (_match, index: string) =>
      `<mark class="redacted" title="Redacted: rendered without --include-secrets">[REDACTED: ${h(redacted.redactions[Number(index)]?.label ?? "secret")}]</mark>`,
  );
}

function holders(context: Context, names: readonly string[], from: string): string {
  if (names.length === 0) return "nobody (kept in the state file)";
  const nodeNames = context.nodeNameSet;
  if (names.length === nodeNames.size && nodeNames.size > HOLDER_LIMIT) {
    const named = new Set(names);
    if (named.size === nodeNames.size && context.nodeNames.every((name) => named.has(name)))
      return `all ${names.length} nodes`;
  }
  const link = (name: string): string =>
    name === "admin"
      ? `<a href="${relativeHref(from, "admin/index.html")}">admin</a>`
      : nodeNames.has(name)
        ? `<a href="${relativeHref(from, `nodes/${name}/index.html`)}">${h(name)}</a>`
        : h(name);
  const shown = names.slice(0, HOLDER_LIMIT).map(link).join(", ");
  return names.length > HOLDER_LIMIT ? `${shown} and ${names.length - HOLDER_LIMIT} more` : shown;
}

/** An element id for a certificate (ids such as "apiserver/cp-1" hold a slash). */
function certificateAnchor(id: string): string {
  return `cert-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function subjectText(certificate: IssuedCertificate): string {
  return [
    `CN=${certificate.subject.commonName}`,
    ...certificate.subject.organizations.map((organization) => `O=${organization}`),
  ].join(", ");
}

function issuerText(context: Context, certificate: IssuedCertificate): string {
  if (certificate.signer === certificate.id || certificate.signer === "self")
    return `${subjectText(certificate)} (self-signed)`;
  const signer = context.certificateById.get(certificate.signer);
  return signer ? `${subjectText(signer)} (${signer.id})` : certificate.signer;
}

function sans(certificate: IssuedCertificate): string {
  const names = [
    ...certificate.subjectNames.dns.map((name) => `DNS:${name}`),
    ...certificate.subjectNames.ip.map((ip) => `IP:${ip}`),
  ];
  return names.length === 0 ? "&ndash;" : names.map((name) => h(name)).join("<br>");
}

function certificateRow(context: Context, certificate: IssuedCertificate, from: string): string {
  const days = daysLeft(certificate.notAfter, context.now);
  const rowClass =
    days === undefined ? "" : days < 0 ? "expired" : days < EXPIRY_WARNING_DAYS ? "expiring" : "";
  const expiry =
    certificate.notAfter === undefined
      ? `not issued (${h(certificate.status)})`
      : `${h(certificate.notAfter.slice(0, 10))}<br>${days !== undefined && days < 0 ? `expired ${-days} days ago` : `${days} days left`}`;
  return `<tr id="${h(certificateAnchor(certificate.id))}"${rowClass ? ` class="${rowClass}"` : ""} data-search="${h(`${certificate.id} ${subjectText(certificate)} ${certificate.certificateHolders.join(" ")}`)}"><td>${h(certificate.id)}</td><td>${h(subjectText(certificate))}</td><td>${h(issuerText(context, certificate))}</td><td>${sans(certificate)}</td><td>${h(certificate.usage)}</td><td>${h(certificate.keyAlgorithm)}</td><td>${expiry}</td><td>certificate: ${holders(context, certificate.certificateHolders, from)}<br>key: ${holders(context, certificate.keyHolders, from)}</td><td>${h(certificate.status)}</td></tr>`;
}

function certificateTable(
  context: Context,
  certificates: readonly IssuedCertificate[],
  from: string,
  id: string,
): string {
  return `<div class="scroll"><table id="${id}"><thead><tr><th>id</th><th>subject</th><th>issuer</th><th>SANs</th><th>usage</th><th>key</th><th>not after</th><th>held by</th><th>status</th></tr></thead><tbody>${certificates
    .map((certificate) => certificateRow(context, certificate, from))
    .join("")}</tbody></table></div>`;
}

function expiring(context: Context): IssuedCertificate[] {
  return context.cluster.pki.certificates.filter((certificate) => {
    const days = daysLeft(certificate.notAfter, context.now);
    return days !== undefined && days < EXPIRY_WARNING_DAYS;
  });
}

function overviewPage(context: Context): SiteFile {
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
    return `<tr data-search="${h(`${node.name} ${node.roles.join(" ")} ${node.ip} ${node.podCIDR}`)}"><td><a data-nav href="${relativeHref(path, `${bundle.id}/index.html`)}">${h(node.name)}</a> ${changeBadge(bundle.change)}</td><td>${h(node.roles.join(", "))}</td><td>${h(node.ip)}</td><td>${h(node.podCIDR)} <span class="why">${h(node.podCIDRSource)}</span></td><td>${h(node.bridgeAddress)}</td><td>${bundle.files.length}</td><td>${bundle.secretCount}</td><td>${size(bundle.bytes.length)}</td></tr>`;
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
  ];
  const certificates = cluster.pki.certificates;
  const soon = expiring(context);
  const diffSummary = context.previous
    ? `<h2 id="changes">Changes against the previous generation</h2><ul>${
        [
          ...context.bundles
            .filter((bundle) => bundle.change !== "unchanged" || bundle.removed.length > 0)
            .map((bundle) => {
              const changed = bundle.files.filter((file) => file.change === "changed").length;
              const added = bundle.files.filter((file) => file.change === "added").length;
              return `<li><a href="${relativeHref(path, `${bundle.id}/index.html`)}">${h(bundle.name)}</a> ${changeBadge(bundle.change)} ${changed} changed, ${added} added, ${bundle.removed.length} removed files</li>`;
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

function certificatesPage(context: Context): SiteFile {
  const path = "certificates.html";
  const certificates = context.cluster.pki.certificates;
  const body = `<h1>Certificates</h1>
<p>Every certificate of the cluster: subject, issuer, names, usage, key algorithm, expiry (days left counted from ${h(context.now.toISOString().slice(0, 10))}) and who holds the certificate and its key. Rows expiring within ${EXPIRY_WARNING_DAYS} days are highlighted.</p>
<p><label for="cert-filter">Filter certificates</label><br><input type="search" id="cert-filter" data-filter="all-certificates" placeholder="id, subject or node"></p>
${certificateTable(context, certificates, path, "all-certificates")}`;
  return page(context, path, "Certificates", body, { crumbs: [["Certificates", undefined]] });
}

function requirementsPage(context: Context): SiteFile {
  const path = "requirements.html";
  const users = new Map<string, number>();
  for (const bundle of context.bundles)
    for (const file of bundle.files)
      for (const id of file.requirements) users.set(id, (users.get(id) ?? 0) + 1);
  let section = "";
  const parts: string[] = [];
  for (const requirement of REQUIREMENTS) {
    if (requirement.section !== section) {
      if (section !== "") parts.push("</dl>");
      section = requirement.section;
      parts.push(`<h2>${h(section)}</h2><dl class="facts">`);
    }
    parts.push(
      `<dt id="${h(requirement.id)}">${h(requirement.id)}</dt><dd>${h(requirement.text)} <span class="why">(${users.get(requirement.id) ?? 0} files serve it; <a href="search.html?q=${h(requirement.id)}">search</a>)</span></dd>`,
    );
  }
  if (section !== "") parts.push("</dl>");
  const body = `<h1>Seed requirements</h1><p>The requirements of the seed guide that every generated file cites (S1 to S${REQUIREMENTS.length}).</p>${parts.join("\n")}`;
  return page(context, path, "Requirements", body, { crumbs: [["Requirements", undefined]] });
}

function searchPage(context: Context): SiteFile {
  const path = "search.html";
  const body = `<h1>Search files</h1>
<p><label for="search">Search every file of every node by node, path, kind or why it exists</label><br><input type="search" id="search" placeholder="e.g. kubelet.service, cp-1 pki, S13" autocomplete="off"></p>
<p id="result-count" aria-live="polite">The search needs the page's script; the node pages list every file too.</p>
<ol id="results"></ol>`;
  return page(context, path, "Search", body, {
    crumbs: [["Search", undefined]],
    scripts: ["assets/search-index.js"],
  });
}

function searchIndex(context: Context): SiteFile {
  const whys: string[] = [];
  const whyIndex = new Map<string, number>();
  const files: (string | number)[][] = [];
  for (const bundle of context.bundles) {
    for (const file of bundle.files) {
      let index = whyIndex.get(file.why);
      if (index === undefined) {
        index = whys.length;
        whys.push(file.why);
        whyIndex.set(file.why, index);
      }
      const tags = `${file.kind}${file.secret ? " secret" : ""}${file.change && file.change !== "unchanged" ? ` ${file.change}` : ""} ${file.requirements.join(" ")}`;
      files.push([bundle.name, file.installPath, tags, index, fileHref("search.html", file)]);
    }
  }
  // JSON inside a script: "<" escaped so no "</script>" can end it early.
  const json = JSON.stringify({ whys, files }).replace(/</g, "\\u003c");
  return { path: "assets/search-index.js", content: `window.KUBESCRATCH_INDEX = ${json};\n` };
}

interface TreeNode {
  readonly directories: Map<string, TreeNode>;
  readonly files: FileView[];
}

function tree(files: readonly FileView[]): TreeNode {
  const rootNode: TreeNode = { directories: new Map(), files: [] };
  for (const file of files) {
    const parts = file.installPath.replace(/^\/+/, "").split("/");
    parts.pop();
    let current = rootNode;
    for (const part of parts) {
      let next = current.directories.get(part);
      if (!next) current.directories.set(part, (next = { directories: new Map(), files: [] }));
      current = next;
    }
    current.files.push(file);
  }
  return rootNode;
}

/** The link from the page at `from` to where a file is shown: its section, or its shared page. */
function fileHref(from: string, file: FileView): string {
  if (file.anchor === undefined) return relativeHref(from, file.page);
  return `${from === file.page ? "" : relativeHref(from, file.page)}#${file.anchor}`;
}

function sharedBadge(shared: SharedFileView | undefined): string {
  if (!shared) return "";
  const count = shared.holders.length;
  return ` ${badge(shared.everyNode ? `same on all ${count} nodes` : `same in ${count} bundles`, "shared")}`;
}

function fileEntry(context: Context, file: FileView, from: string): string {
  const name = file.installPath.slice(file.installPath.lastIndexOf("/") + 1);
  return `<li data-search="${h(`${file.installPath} ${file.kind} ${file.secret ? "secret" : ""} ${file.change ?? ""} ${file.shared ? "shared" : ""} ${file.requirements.join(" ")} ${file.why}`)}"><a data-nav href="${fileHref(from, file)}">${h(name)}</a> ${badge(file.kind)} <code>${octalMode(file.mode)}</code> ${size(file.size)}${file.secret ? ` ${badge(context.includeSecrets ? "secret" : "secret, redacted", "secret")}` : ""}${sharedBadge(file.shared)} ${changeBadge(file.change)}<div class="why">${h(file.why)}</div></li>`;
}

function treeHtml(context: Context, node: TreeNode, prefix: string, from: string): string {
  const directories = [...node.directories.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const items = [
    ...directories.map(([name, child]) => {
      // Collapse chains of single directories: /etc/kubernetes/pki/ rather than three levels.
      let label = `${name}/`;
      let current = child;
      while (current.files.length === 0 && current.directories.size === 1) {
        const [[nextName, next]] = [...current.directories.entries()] as [[string, TreeNode]];
        label += `${nextName}/`;
        current = next;
      }
      return `<li class="dir"><span>${h(prefix + label)}</span>${treeHtml(context, current, "", from)}</li>`;
    }),
    ...node.files.map((file) => fileEntry(context, file, from)),
  ];
  return `<ul>${items.join("")}</ul>`;
}

function downloadSection(context: Context, bundle: BundleView, from: string): string {
  const available = context.includeSecrets || bundle.secretCount === 0;
  const link = available
    ? `<a href="${relativeHref(from, bundle.tarballPath)}" download="${h(bundle.fileName)}" data-download="tarball">Download ${h(bundle.fileName)}</a> (${size(bundle.bytes.length)})${bundle.secretCount > 0 ? ` ${badge(`holds ${bundle.secretCount} secret files unredacted`, "secret")}` : ""}`
    : `${h(bundle.fileName)} (${size(bundle.bytes.length)}) holds ${bundle.secretCount} secret files, so a redacted site does not include it: take it from <code>kubescratch generate</code>'s output (<code>${h(bundle.tarballPath)}</code>), or render the site with --include-secrets.`;
  return `<p>${link}</p><p>sha256 of the tarball: <code data-sha256="tarball">${h(bundle.sha256)}</code> &mdash; the same bytes <code>kubescratch generate</code> writes to <code>${h(bundle.tarballPath)}</code> for this generation.</p>`;
}

function bundlePage(context: Context, bundle: BundleView): SiteFile {
  const path = bundle.page;
  const node = bundle.node;
  const own = bundle.files.filter((file) => file.anchor !== undefined);
  const sharedCount = bundle.files.length - own.length;
  const facts: [string, string][] = [
    ...(node
      ? ([
          ["Roles", h(node.roles.join(", "))],
          ["IP", h(node.ip)],
          ["Pod CIDR", `${h(node.podCIDR)} (${h(node.podCIDRSource)})`],
          ["Bridge", h(node.bridgeAddress)],
        ] as [string, string][])
      : []),
    [
      "Files",
      `${bundle.files.length} (${bundle.secretCount} secret${sharedCount > 0 ? `; ${sharedCount} the same in other bundles, each on a page of its own` : ""})`,
    ],
  ];
  const removed =
    bundle.removed.length > 0
      ? `<h2>Removed since the previous generation</h2><ul>${bundle.removed.map((file) => `<li>${badge("removed", "removed")} <code>${h(file)}</code></li>`).join("")}</ul>`
      : "";
  const where = {
    tarballs: h(bundle.fileName),
    back: `<a href="#files">All files of ${h(bundle.name)}</a>`,
  };
  const sections = own.map((file) => fileSection(context, where, file, path, 3)).join("\n");
  const body = `<h1>${node ? `Node ${h(node.name)}` : "Admin bundle"} ${changeBadge(bundle.change)}</h1>
<dl class="facts">${facts.map(([term, value]) => `<dt>${h(term)}</dt><dd>${value}</dd>`).join("")}</dl>
<h2>Download</h2>
${downloadSection(context, bundle, path)}
<h2 id="files">Files by install path</h2>
<p><label for="file-filter">Filter files</label><br><input type="search" id="file-filter" data-filter="file-tree" placeholder="path, kind, S-number or words of why"></p>
<div id="file-tree" class="tree-wrap"><ul class="tree"><li class="dir"><span>${node ? "/" : "(bundle root)"}</span>${treeHtml(context, tree(bundle.files), "", path)}</li></ul></div>
${removed}
<h2 id="contents">File contents</h2>
${own.length > 0 ? sections : "<p>Every file of this bundle is the same in other bundles: the list above links each one's page.</p>"}`;
  return page(context, path, node ? node.name : "admin", body, { crumbs: [[bundle.name, undefined]] });
}

function pemSummary(context: Context, file: FileView, from: string, level: number): string {
  const certificate = file.certificate;
  if (certificate) {
    const days = daysLeft(certificate.notAfter, context.now);
    const facts: [string, string][] = [
      [
        "Certificate",
        `${h(certificate.id)} (<a href="${relativeHref(from, "certificates.html")}#${h(certificateAnchor(certificate.id))}">in the inventory</a>)`,
      ],
      ["Subject", h(subjectText(certificate))],
      ["Issuer", h(issuerText(context, certificate))],
      ["SANs", sans(certificate)],
      ["Usage", h(certificate.usage)],
      ["Key", h(certificate.keyAlgorithm)],
      [
        "Valid",
        `${h(certificate.notBefore ?? "?")} to ${h(certificate.notAfter ?? "?")}${days !== undefined ? ` (${days < 0 ? `expired ${-days} days ago` : `${days} days left`})` : ""}`,
      ],
      ["Serial", h(certificate.serialNumber ?? "–")],
      ["SHA-256 fingerprint", `<code>${h(certificate.fingerprintSha256 ?? "–")}</code>`],
      ["Held by", holders(context, certificate.certificateHolders, from)],
    ];
    const highlightClass = days !== undefined && days < EXPIRY_WARNING_DAYS ? ' class="expiring"' : "";
    return `<h${level}>Certificate summary</h${level}><div${highlightClass}><dl class="facts">${facts.map(([term, value]) => `<dt>${h(term)}</dt><dd>${value}</dd>`).join("")}</dl></div>`;
  }
  if (!file.text.includes("-----BEGIN ")) return "";
  const blocks = [...file.text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((match) => match[1] as string);
  if (blocks.length === 0) return "";
  return `<h${level}>PEM summary</h${level}><p>${blocks.length} PEM block${blocks.length === 1 ? "" : "s"}: ${blocks.map((block) => h(block)).join(", ")}.</p>`;
}

function diffSection(file: FileView, level: number): string {
  if (file.change !== "changed") return "";
  const heading = `<h${level}>Changed since the previous generation</h${level}>`;
  if (file.previousText === undefined)
    return `${heading}<p>This secret file changed; its line diff is not shown.</p>`;
  const before = plainRedacted({ ...redactText(file.previousText) });
  const after = plainRedacted(
    file.redacted.redactions.length > 0 ? file.redacted : { text: file.text, redactions: [] },
  );
  const lines = diffLines(before, after);
  if (!lines) return `${heading}<p>Too many changed lines to show a diff.</p>`;
  const parts = hunks(lines).flatMap((hunk) => [
    `<span class="l hunk">${h(hunk.header)}</span>`,
    ...hunk.lines.map(
      (line) =>
        `<span class="l${line.op === "+" ? " add" : line.op === "-" ? " del" : ""}">${h(`${line.op}${line.text}`)}</span>`,
    ),
  ]);
  return `${heading}<pre class="code diff" aria-label="Line diff"><code>${parts.join("\n") || `<span class="l">(only the mode changed)</span>`}</code></pre>`;
}

/** Private keys in a previous file are hidden in its diff too. */
function redactText(text: string): Redacted {
  const redactions: { label: string }[] = [];
  const hidden = text.replace(
    /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g,
    (_block, type: string) => {
      redactions.push({ label: type.toLowerCase() });
      return `\u0000${redactions.length - 1}\u0000`;
    },
  );
  return { text: hidden, redactions };
}

/**
 * A file's facts, summaries, diff and highlighted content, as a section of the page at `from` (its
 * bundle's page, or its shared page); `level` is the heading level of its title. `where.tarballs`
 * names the tarballs that hold it (HTML), `where.back` links back to a list of files.
 */
function fileSection(
  context: Context,
  where: { readonly tarballs: string; readonly back: string; readonly title?: string },
  file: FileView,
  from: string,
  level: number,
): string {
  const shown = context.includeSecrets ? { text: file.text, redactions: [] } : file.redacted;
  const language = languageOf(file.path, file.kind === "bundle" ? undefined : file.kind, file.text);
  const code = markRedactions(highlight(shown.text, language), shown);
  const facts: [string, string][] = [
    ["Install path", `<code>${h(file.installPath)}</code>`],
    ["In the tarball", `<code>${h(file.path)}</code> of ${where.tarballs}`],
    ["Mode", `<code>${octalMode(file.mode)}</code> (${symbolicMode(file.mode)})`],
    ["Size", `${file.size} bytes`],
    ["sha256", `<code data-sha256="file">${h(file.sha256)}</code>`],
    [
      "Kind",
      `${h(file.kind)}${file.secret ? ` ${badge(context.includeSecrets ? "secret (shown)" : "secret, redacted", "secret")}` : ""}`,
    ],
    ["Why", h(file.why)],
    ["Serves", requirementLinks(from, file.requirements)],
  ];
  const requirementTexts = file.requirements
    .map((id) => REQUIREMENTS.find((entry) => entry.id === id))
    .filter((entry) => entry !== undefined)
    .map(
      (entry) =>
        `<li><a href="${relativeHref(from, "requirements.html")}#${h(entry.id)}">${h(entry.id)}</a> ${h(entry.text)}</li>`,
    )
    .join("");
  const name = file.installPath.slice(file.installPath.lastIndexOf("/") + 1);
  // The page's own text is the file when nothing is redacted and the text is exact: the script offers
  // it as a download (no copy of every file on disk).
  const download =
    shown.redactions.length > 0
      ? "Secret file: no download in a redacted site."
      : file.textIsExact
        ? `<button type="button" data-download="file" data-name="${h(name)}" hidden>Download this file</button>`
        : "This file's bytes are not plain UTF-8 text: take it from the tarball.";
  const redactionNote =
    shown.redactions.length > 0
      ? `<p class="banner banner-secrets">${shown.redactions.length} secret value${shown.redactions.length === 1 ? " is" : "s are"} redacted below: the file on the node holds them (sha256 and size are of the real file).</p>`
      : "";
  const next = level + 1;
  return `<section class="file"${file.anchor !== undefined ? ` id="${h(file.anchor)}"` : ""}>
<h${level}>${where.title ?? `<code>${h(file.installPath)}</code> ${changeBadge(file.change)}`}</h${level}>
<dl class="facts">${facts.map(([term, value]) => `<dt>${h(term)}</dt><dd>${value}</dd>`).join("")}</dl>
${requirementTexts ? `<ul class="why">${requirementTexts}</ul>` : ""}
<p>${download}${where.back ? ` &middot; ${where.back}` : ""}</p>
${pemSummary(context, file, from, next)}
${diffSection(file, next)}
${redactionNote}
<pre class="code lang-${language}"${file.text.endsWith("\n") ? " data-final-newline" : ""}><code>${code}</code></pre>
</section>`;
}

function sharedPage(context: Context, shared: SharedFileView, file: FileView): SiteFile {
  const path = shared.page;
  const count = shared.holders.length;
  const links = shared.holders
    .map((holder) => `<a href="${relativeHref(path, `${holder.id}/index.html`)}">${h(holder.name)}</a>`)
    .join(", ");
  const everyNode = shared.everyNode;
  const where = {
    tarballs: everyNode ? "every node's tarball" : `${count} tarballs`,
    back: "",
    title: "The file",
  };
  const body = `<h1><code>${h(file.installPath)}</code> ${changeBadge(file.change)}</h1>
<p>The same file, byte for byte, in ${everyNode ? `every node's bundle (${count})` : `${count} bundles`}, shown once here:</p>
<p class="holders">${links}</p>
${fileSection(context, where, file, path, 2)}`;
  const title = `${file.installPath.slice(file.installPath.lastIndexOf("/") + 1)} · shared`;
  return page(context, path, title, body, { crumbs: [[`${file.path} (shared)`, undefined]] });
}

/** A file of the site, and whether it is a page (HTML) or an asset. */
export interface SiteEntry extends SiteFile {
  readonly kind: "page" | "asset";
}

/**
 * The review site's files one at a time, pages and assets alike (renderSite's, in its order within
 * each kind), so a caller can write each page as soon as it is made instead of holding them all.
 */
export function* renderSiteFiles(
  input: SiteInput,
  options: SiteOptions,
): Generator<SiteEntry, void, undefined> {
  const cluster = input.cluster;
  const bundles = buildBundles(
    cluster,
    input.bundles ?? bundleCluster(cluster),
    options.previous,
    options.read ?? {},
  );
  const nodeNames = cluster.plan.nodes.map((node) => node.name);
  const context: Context = {
    cluster,
    bundles,
    includeSecrets: options.includeSecrets ?? false,
    now: options.now,
    previous: options.previous !== undefined,
    removedBundles: removedBundles(cluster, options.previous),
    nodeCount: cluster.plan.nodes.length,
    nodeNames,
    nodeNameSet: new Set(nodeNames),
    certificateById: new Map(cluster.pki.certificates.map((certificate) => [certificate.id, certificate])),
    ...(options.specName ? { specName: options.specName } : {}),
  };
  const page = (file: SiteFile): SiteEntry => ({ ...file, kind: "page" });
  const asset = (file: SiteFile): SiteEntry => ({ ...file, kind: "asset" });
  yield page(overviewPage(context));
  yield page(certificatesPage(context));
  yield page(requirementsPage(context));
  yield page(searchPage(context));
  yield asset({ path: "assets/site.css", content: `${SITE_CSS}${usageWidths()}` });
  yield asset({ path: "assets/site.js", content: SITE_JS });
  yield asset(searchIndex(context));
  const sharedDone = new Set<string>();
  for (const bundle of bundles) {
    yield page(bundlePage(context, bundle));
    for (const file of bundle.files) {
      if (file.shared && !sharedDone.has(file.shared.page)) {
        sharedDone.add(file.shared.page);
        yield page(sharedPage(context, file.shared, file));
      }
    }
    if (context.includeSecrets || bundle.secretCount === 0)
      yield asset({ path: bundle.tarballPath, content: bundle.bytes });
  }
}

/** Renders the review site of a generation. */
export function renderSite(input: SiteInput, options: SiteOptions): Site {
  const pages: SiteFile[] = [];
  const assets: SiteFile[] = [];
  for (const { kind, path, content } of renderSiteFiles(input, options))
    (kind === "page" ? pages : assets).push({ path, content });
  return { pages, assets };
}

/** Width classes for the usage bars (no inline styles: the pages' CSP allows only the stylesheet). */
function usageWidths(): string {
  let css = "";
  for (let width = 0; width <= 100; width += 1) css += `.usage>.w${width}{width:${width}%}`;
  return `${css}\n`;
}
