// Shared by the site tests: deterministic generations of the fixtures (pre-made keys, seeded random,
// fixed clock), the site rendered from them, and writing a site to a directory.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { generateCluster, type GeneratedCluster } from "@kubescratch/core";
import { FIXED_NOW, fixtureSpec, premadeKeys, seededRandom } from "../../packages/core/test/pki-helpers.js";
import type { Site } from "../src/index.js";

export { FIXED_NOW };
export const repoRoot = join(__dirname, "..", "..");

export async function generateFixture(name: string): Promise<GeneratedCluster> {
  const { spec } = fixtureSpec(name);
  return generateCluster(spec, { now: FIXED_NOW, random: seededRandom(`site:${name}`), keys: premadeKeys() });
}

/** Writes every page and asset of a site under `directory`. */
export function writeSite(directory: string, site: Site): void {
  for (const file of [...site.pages, ...site.assets]) {
    const target = join(directory, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"' };

/** The text of HTML: tags dropped, character references decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(
      /&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi,
      (reference, decimal?: string, hexadecimal?: string, name?: string) =>
        decimal !== undefined
          ? String.fromCodePoint(Number(decimal))
          : hexadecimal !== undefined
            ? String.fromCodePoint(parseInt(hexadecimal, 16))
            : (ENTITIES[name ?? ""] ?? reference),
    );
}

export interface ShownFile {
  /** The site path of the page that shows the file, and its HTML. */
  readonly page: string;
  readonly html: string;
  /** The file's section on that page. */
  readonly section: string;
  /**
   * The file's content as the site shows it (what a browser's textContent gives, plus the final
   * newline): the section's, and for a long file the parts on the pages its section lists after it.
   */
  readonly text: string;
  /** Site paths of the pages of a long file's further parts, in order (none for most files). */
  readonly parts: readonly string[];
}

/** A file's (part of) text as a page shows it: the line before it, its text, a final newline. */
const CODE =
  /<pre class="code lang-[a-z]+(?: from-(\d+))?"( data-final-newline)?><code>([\s\S]*?)<\/code><\/pre>/;

/**
 * Follows a bundle page's link to one of its files (`path` inside the tarball) as a reader would: to
 * its section on the bundle's page, or to the page of a file several bundles share.
 */
export function shownFile(site: Site, bundleId: string, path: string): ShownFile {
  const pages = new Map(site.pages.map((page) => [page.path, page.content as string]));
  const bundlePage = `${bundleId}/index.html`;
  const listing = pages.get(bundlePage);
  if (listing === undefined) throw new Error(`no page ${bundlePage}`);
  // A node's artifacts are listed by their absolute install path; the bundle's own files by their path.
  const listed = (installPath: string): RegExpExecArray | null => {
    const escaped = installPath.replace(/&/g, "&amp;").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`<li data-search="${escaped} [^"]*"><a data-nav href="([^"]*)"`).exec(listing);
  };
  const installPath = bundleId === "admin" ? path : `/${path}`;
  const entry = listed(installPath) ?? listed(path);
  if (!entry) throw new Error(`${bundlePage} lists no ${installPath}`);
  const [target, fragment] = (entry[1] as string).replace(/&amp;/g, "&").split("#") as [string, string?];
  const page =
    target === ""
      ? bundlePage
      : normalize(join(dirname(bundlePage), decodeURIComponent(target))).replace(/\\/g, "/");
  const html = pages.get(page);
  if (html === undefined) throw new Error(`${bundlePage} links ${entry[1]}, which is no page`);
  const sections = [...html.matchAll(/<section class="file"(?: id="([^"]*)")?>[\s\S]*?<\/section>/g)];
  const section = fragment === undefined ? sections[0] : sections.find((match) => match[1] === fragment);
  if (!section) throw new Error(`${page} has no section ${fragment ?? ""} for ${installPath}`);
  const code = CODE.exec(section[0]);
  if (!code) throw new Error(`${page}#${fragment ?? ""} shows no content`);
  // A long file: its section lists the pages of its other parts, each going on where the one before ends.
  const pager = /<nav class="pager" aria-label="Parts of [^"]*">([\s\S]*?)<\/nav>/.exec(section[0]);
  const parts = [...(pager?.[1] ?? "").matchAll(/<a href="([^"#]+)">/g)].map((link) =>
    normalize(join(dirname(page), decodeURIComponent(link[1] as string))).replace(/\\/g, "/"),
  );
  const texts = [htmlText(code[3] as string)];
  let lines = texts[0]?.split("\n").length ?? 0;
  let last = code;
  for (const part of parts) {
    const partCode = CODE.exec(pages.get(part) ?? "");
    if (!partCode) throw new Error(`${page}#${fragment ?? ""} lists ${part}, which shows no part`);
    if (Number(partCode[1]) !== lines) throw new Error(`${part} numbers from ${partCode[1]}, not ${lines}`);
    const partText = htmlText(partCode[3] as string);
    texts.push(partText);
    lines += partText.split("\n").length;
    last = partCode;
  }
  return { page, html, section: section[0], text: `${texts.join("\n")}${last[2] ? "\n" : ""}`, parts };
}
