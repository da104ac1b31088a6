// What every page kind shares: the render context, the page wrapper, and the small formatters
// (modes, sizes, badges, days left, holder lists, links to where a file is shown).
import type { GeneratedCluster, IssuedCertificate, NodePlan } from "@kubescratch/core";
import { h, layout, relativeHref } from "../html.js";
import type { BundleView, FileView } from "../model.js";

export interface SiteFile {
  /** Path relative to the site's root, "/"-separated. */
  readonly path: string;
  readonly content: string | Uint8Array;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOLDER_LIMIT = 8;

export interface Context {
  readonly cluster: GeneratedCluster;
  readonly bundles: readonly BundleView[];
  readonly includeSecrets: boolean;
  readonly now: Date;
  readonly previous: boolean;
  /** The previous generation's pod range of each node, when known (its plan.json). */
  readonly previousPodCIDRs?: Readonly<Record<string, string>>;
  /** Names of the bundles the previous generation had. */
  readonly previousBundles: ReadonlySet<string>;
  readonly removedBundles: readonly string[];
  readonly specName?: string;
  readonly nodeCount: number;
  readonly nodeNames: readonly string[];
  readonly nodeNameSet: ReadonlySet<string>;
  readonly certificateById: ReadonlyMap<string, IssuedCertificate>;
  /** The certificate inventory's pages, and the page of each certificate's row. */
  readonly certificatePages: readonly {
    readonly path: string;
    readonly label: string;
    readonly certificates: readonly IssuedCertificate[];
  }[];
  readonly certificatePageOf: ReadonlyMap<string, string>;
}

export function page(
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

export function octalMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function badge(text: string, className = ""): string {
  return `<span class="badge${className ? ` ${className}` : ""}">${h(text)}</span>`;
}

export function changeBadge(change: string | undefined): string {
  return change === "added" || change === "changed" ? badge(change, change) : "";
}

export function daysLeft(notAfter: string | undefined, now: Date): number | undefined {
  if (!notAfter) return undefined;
  return Math.floor((Date.parse(notAfter) - now.getTime()) / DAY_MS);
}

export function holders(context: Context, names: readonly string[], from: string): string {
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

/** The link from the page at `from` to where a file is shown: its section, or its shared page. */
export function fileHref(from: string, file: FileView): string {
  if (file.anchor === undefined) return relativeHref(from, file.page);
  return `${from === file.page ? "" : relativeHref(from, file.page)}#${file.anchor}`;
}

/**
 * Where a node's pod range comes from, as far as the site knows. The plan the site renders was made
 * with the state generate wrote, which already holds this generation's ranges: its own "previous"
 * would say so of every node, a new one included, so only "pinned" is taken from it. Kept or new is
 * read from the previous generation, when one is given.
 */
export function podCIDRNote(context: Context, node: NodePlan): string {
  if (node.podCIDRSource === "pinned") return "pinned in the spec";
  if (!context.previous) return "allocated";
  const before = context.previousPodCIDRs?.[node.name];
  if (before !== undefined)
    return before === node.podCIDR ? "kept from the previous generation" : `newly allocated (was ${before})`;
  if (!context.previousBundles.has(node.name)) return "newly allocated (a new node)";
  return "allocated";
}
