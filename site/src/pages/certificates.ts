// The certificate inventory: one row per certificate (subject, issuer, names, usage, key, expiry,
// holders), on its own page and, when few or expiring, on the overview.
import { EXPIRY_WARNING_DAYS, type GeneratedCluster, type IssuedCertificate } from "@kubescratch/core";
import { h, relativeHref } from "../html.js";
import { daysLeft, holders, page, type Context, type SiteFile } from "./common.js";

/** An element id for a certificate (ids such as "apiserver/cp-1" hold a slash). */
export function certificateAnchor(id: string): string {
  return `cert-${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export function subjectText(certificate: IssuedCertificate): string {
  return [
    `CN=${certificate.subject.commonName}`,
    ...certificate.subject.organizations.map((organization) => `O=${organization}`),
  ].join(", ");
}

export function issuerText(context: Context, certificate: IssuedCertificate): string {
  if (certificate.signer === certificate.id || certificate.signer === "self")
    return `${subjectText(certificate)} (self-signed)`;
  const signer = context.certificateById.get(certificate.signer);
  return signer ? `${subjectText(signer)} (${signer.id})` : certificate.signer;
}

export function sans(certificate: IssuedCertificate): string {
  const names = [
    ...certificate.subjectNames.dns.map((name) => `DNS:${name}`),
    ...certificate.subjectNames.ip.map((ip) => `IP:${ip}`),
  ];
  return names.length === 0 ? "&ndash;" : names.map((name) => h(name)).join("<br>");
}

/**
 * A subject or issuer in the table, one part a line ("CN=system:node:worker-3", "O=system:nodes",
 * "(ca)"): the cells keep their values whole and the columns stay narrow.
 */
function lines(text: string): string {
  return h(text)
    .replace(/, (?=O=)/g, ",<br>")
    .replace(/ (?=\([^()]*\)$)/, "<br>");
}

function certificateRow(context: Context, certificate: IssuedCertificate, from: string): string {
  const days = daysLeft(certificate.notAfter, context.now);
  const rowClass =
    days === undefined ? "" : days < 0 ? "expired" : days < EXPIRY_WARNING_DAYS ? "expiring" : "";
  const expiry =
    certificate.notAfter === undefined
      ? `not issued (${h(certificate.status)})`
      : `${h(certificate.notAfter.slice(0, 10))}<br>${days !== undefined && days < 0 ? `expired ${-days} days ago` : `${days} days left`}`;
  return `<tr id="${h(certificateAnchor(certificate.id))}"${rowClass ? ` class="${rowClass}"` : ""} data-search="${h(`${certificate.id} ${subjectText(certificate)} ${certificate.certificateHolders.join(" ")}`)}"><td>${h(certificate.id)}</td><td>${lines(subjectText(certificate))}</td><td>${lines(issuerText(context, certificate))}</td><td>${sans(certificate)}</td><td>${h(certificate.usage)}</td><td>${h(certificate.keyAlgorithm)}</td><td>${expiry}</td><td>certificate: ${holders(context, certificate.certificateHolders, from)}<br>key: ${holders(context, certificate.keyHolders, from)}</td><td>${h(certificate.status)}</td></tr>`;
}

export function certificateTable(
  context: Context,
  certificates: readonly IssuedCertificate[],
  from: string,
  id: string,
): string {
  return `<div class="scroll"><table id="${id}"><thead><tr><th>id</th><th>subject</th><th>issuer</th><th>SANs</th><th>usage</th><th>key</th><th>not after</th><th>held by</th><th>status</th></tr></thead><tbody>${certificates
    .map((certificate) => certificateRow(context, certificate, from))
    .join("")}</tbody></table></div>`;
}

export function expiring(context: Context): IssuedCertificate[] {
  return context.cluster.pki.certificates.filter((certificate) => {
    const days = daysLeft(certificate.notAfter, context.now);
    return days !== undefined && days < EXPIRY_WARNING_DAYS;
  });
}

/** Rows per inventory page: about 0.5 MB of HTML, so 5,000 nodes' certificates are not one 7 MB page. */
export const CERTIFICATES_PER_PAGE = 1000;

export interface CertificatePage {
  /** Site path: certificates.html, then certificates-2.html, ... */
  readonly path: string;
  /** What the page holds, for the list of pages: "cluster-wide", or the nodes' names from and to. */
  readonly label: string;
  readonly certificates: readonly IssuedCertificate[];
}

/**
 * The inventory's pages. A cluster with up to CERTIFICATES_PER_PAGE certificates has one, in the
 * core's order. A larger one is paged by holder: first the certificates no single node holds (the
 * CAs, the control plane's, the admin's), then each node's own, whole nodes per page in plan order, so
 * the list of pages says where a node's certificates are.
 */
export function certificatePages(cluster: GeneratedCluster): CertificatePage[] {
  const all = cluster.pki.certificates;
  if (all.length <= CERTIFICATES_PER_PAGE)
    return [{ path: "certificates.html", label: "all", certificates: all }];
  const nodeNames = new Set(cluster.plan.nodes.map((node) => node.name));
  const byNode = new Map<string, IssuedCertificate[]>();
  const clusterWide: IssuedCertificate[] = [];
  for (const certificate of all) {
    const [only, ...others] = certificate.certificateHolders;
    if (only !== undefined && others.length === 0 && nodeNames.has(only)) {
      const list = byNode.get(only);
      if (list) list.push(certificate);
      else byNode.set(only, [certificate]);
    } else clusterWide.push(certificate);
  }
  const groups: { label: string; certificates: IssuedCertificate[] }[] = [];
  for (let start = 0; start < clusterWide.length; start += CERTIFICATES_PER_PAGE)
    groups.push({
      label: "cluster-wide",
      certificates: clusterWide.slice(start, start + CERTIFICATES_PER_PAGE),
    });
  let current: { first: string; last: string; certificates: IssuedCertificate[] } | undefined;
  const close = (): void => {
    if (current)
      groups.push({
        label: current.first === current.last ? current.first : `${current.first} to ${current.last}`,
        certificates: current.certificates,
      });
  };
  for (const node of cluster.plan.nodes) {
    const own = byNode.get(node.name);
    if (!own) continue;
    if (current && current.certificates.length + own.length > CERTIFICATES_PER_PAGE) {
      close();
      current = undefined;
    }
    if (current) {
      current.last = node.name;
      current.certificates.push(...own);
    } else current = { first: node.name, last: node.name, certificates: [...own] };
  }
  close();
  return groups.map((group, index) => ({
    path: index === 0 ? "certificates.html" : `certificates-${index + 1}.html`,
    ...group,
  }));
}

/** The link from the page at `from` to a certificate's row in the inventory. */
export function certificateHref(context: Context, from: string, id: string): string {
  return `${relativeHref(from, context.certificatePageOf.get(id) ?? "certificates.html")}#${certificateAnchor(id)}`;
}

export function certificatesPage(context: Context, index: number): SiteFile {
  const { path, certificates } = context.certificatePages[index] as CertificatePage;
  const count = context.cluster.pki.certificates.length;
  const pages = context.certificatePages;
  const pager =
    pages.length < 2
      ? ""
      : `<nav class="pager" aria-label="Inventory pages"><p>${count} certificates on ${pages.length} pages (filtering searches this page):</p><ol>${pages
          .map((entry, at) =>
            at === index
              ? `<li><span aria-current="page">${h(entry.label)}</span> (${entry.certificates.length})</li>`
              : `<li><a href="${relativeHref(path, entry.path)}">${h(entry.label)}</a> (${entry.certificates.length})</li>`,
          )
          .join("")}</ol></nav>`;
  const body = `<h1>Certificates${pages.length < 2 ? "" : `: ${h((pages[index] as CertificatePage).label)}`}</h1>
<p>Every certificate of the cluster: subject, issuer, names, usage, key algorithm, expiry (days left counted from ${h(context.now.toISOString().slice(0, 10))}) and who holds the certificate and its key. Rows expiring within ${EXPIRY_WARNING_DAYS} days are highlighted.</p>
${pager}
<p><label for="cert-filter">Filter certificates</label><br><input type="search" id="cert-filter" data-filter="all-certificates" placeholder="id, subject or node"></p>
${certificateTable(context, certificates, path, "all-certificates")}`;
  return page(context, path, index === 0 ? "Certificates" : `Certificates ${index + 1}`, body, {
    crumbs:
      index === 0
        ? [["Certificates", undefined]]
        : [
            ["Certificates", "certificates.html"],
            [`Page ${index + 1}`, undefined],
          ],
  });
}
