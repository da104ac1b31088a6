// renderSite: the review site of one generation, as data. Pure: every page is an HTML string built
// from the same GeneratedCluster (and the very tarballs) that `kubescratch generate` writes; the
// caller writes the files. Same cluster and options give the same pages byte for byte.
import { bundleCluster, type Bundle, type GeneratedCluster } from "@kubescratch/core";
import { SITE_CSS, SITE_JS } from "./assets.js";
import { buildBundles, removedBundles, type PreviousGeneration, type ReadOptions } from "./model.js";
import { bundlePage } from "./pages/bundle.js";
import { certificatePages, certificatesPage } from "./pages/certificates.js";
import type { Context, SiteFile } from "./pages/common.js";
import { partPages, partStartRules, partStarts, sharedPage } from "./pages/file.js";
import { overviewPage, usageWidths } from "./pages/overview.js";
import { requirementsPage } from "./pages/requirements.js";
import { SEARCH_JS, searchIndex, searchPage } from "./pages/search.js";

export type { SiteFile };

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
  const inventory = certificatePages(cluster);
  const context: Context = {
    cluster,
    bundles,
    includeSecrets: options.includeSecrets ?? false,
    now: options.now,
    previous: options.previous !== undefined,
    previousBundles: new Set(options.previous?.bundles.map((bundle) => bundle.name) ?? []),
    ...(options.previous?.podCIDRs ? { previousPodCIDRs: options.previous.podCIDRs } : {}),
    removedBundles: removedBundles(cluster, options.previous),
    nodeCount: cluster.plan.nodes.length,
    nodeNames,
    nodeNameSet: new Set(nodeNames),
    certificateById: new Map(cluster.pki.certificates.map((certificate) => [certificate.id, certificate])),
    certificatePages: inventory,
    certificatePageOf: new Map(
      inventory.flatMap((entry) =>
        entry.certificates.map((certificate) => [certificate.id, entry.path] as const),
      ),
    ),
    ...(options.specName ? { specName: options.specName } : {}),
  };
  const page = (file: SiteFile): SiteEntry => ({ ...file, kind: "page" });
  const asset = (file: SiteFile): SiteEntry => ({ ...file, kind: "asset" });
  yield page(overviewPage(context));
  for (let index = 0; index < inventory.length; index += 1) yield page(certificatesPage(context, index));
  yield page(requirementsPage(context));
  yield page(searchPage(context));
  yield asset({
    path: "assets/site.css",
    content: `${SITE_CSS}${usageWidths()}${partStartRules(partStarts(context))}`,
  });
  yield asset({ path: "assets/site.js", content: SITE_JS });
  yield asset({ path: "assets/search.js", content: SEARCH_JS });
  yield asset(searchIndex(context));
  const sharedDone = new Set<string>();
  for (const bundle of bundles) {
    yield page(bundlePage(context, bundle));
    for (const file of bundle.files) {
      // A long file's text goes on past its section, on pages of its own.
      if (file.anchor !== undefined)
        for (const part of partPages(context, file, bundle.name)) yield page(part);
      else if (file.shared && !sharedDone.has(file.shared.page)) {
        sharedDone.add(file.shared.page);
        yield page(sharedPage(context, file.shared, file));
        for (const part of partPages(context, file, `${file.path} (shared)`)) yield page(part);
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
