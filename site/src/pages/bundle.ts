// A bundle's page (each node's and the admin's): its facts, the tarball, the file tree, and the
// sections of the files no other bundle holds.
import { nodeFamilies } from "@kubescratch/core";
import { h, relativeHref } from "../html.js";
import type { BundleView, FileView, SharedFileView } from "../model.js";
import {
  badge,
  changeBadge,
  fileHref,
  octalMode,
  page,
  podCIDRNote,
  size,
  type Context,
  type SiteFile,
} from "./common.js";
import { fileSection } from "./file.js";

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

export function bundlePage(context: Context, bundle: BundleView): SiteFile {
  const path = bundle.page;
  const node = bundle.node;
  const own = bundle.files.filter((file) => file.anchor !== undefined);
  const sharedCount = bundle.files.length - own.length;
  const facts: [string, string][] = [
    ...(node
      ? ([
          ["Roles", h(node.roles.join(", "))],
          [
            "IP",
            h(
              nodeFamilies(node)
                .map((part) => part.ip)
                .join(", "),
            ),
          ],
          [
            "Pod CIDR",
            `${h(
              nodeFamilies(node)
                .map((part) => part.podCIDR)
                .join(", "),
            )} (${h(podCIDRNote(context, node))})`,
          ],
          [
            "Bridge",
            h(
              nodeFamilies(node)
                .map((part) => part.bridgeAddress)
                .join(", "),
            ),
          ],
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
<p><label for="file-filter">Filter files</label><br><input type="search" id="file-filter" data-filter="file-tree" placeholder="path, kind or words of why"></p>
<div id="file-tree" class="tree-wrap"><ul class="tree"><li class="dir"><span>${node ? "/" : "(bundle root)"}</span>${treeHtml(context, tree(bundle.files), "", path)}</li></ul></div>
${removed}
<h2 id="contents">File contents</h2>
${own.length > 0 ? sections : "<p>Every file of this bundle is the same in other bundles: the list above links each one's page.</p>"}`;
  return page(context, path, node ? node.name : "admin", body, { crumbs: [[bundle.name, undefined]] });
}
