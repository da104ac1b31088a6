// A file as the site shows it: its facts, certificate or PEM summary, the diff against the previous
// generation, and its highlighted (redacted) content; and the page of a file several bundles share.
import { EXPIRY_WARNING_DAYS } from "@kubescratch/core";
import { diffLines, hunks } from "../diff.js";
import { highlightLines, languageOf, textLines } from "../highlight.js";
import { h, relativeHref } from "../html.js";
import type { ChangeStatus, FileView, SharedFileView, SharedHolder } from "../model.js";
import { PLACEHOLDER, plainRedacted, type Redacted } from "../redact.js";
import { explanation, requirementById } from "../requirements.js";
import { certificateHref, issuerText, sans, subjectText } from "./certificates.js";
import {
  badge,
  changeBadge,
  daysLeft,
  holders,
  octalMode,
  page,
  size,
  type Context,
  type SiteFile,
} from "./common.js";

/**
 * Characters of a file's text one page shows. A longer file (the admin bundle's nodes.yaml lists
 * every node: 60,000 lines at 5,000 nodes) is shown in parts of whole lines, about this much each:
 * the first in its section, each other part on a page of its own (some 130 KB of highlighted YAML).
 */
export const CONTENT_PART_CHARS = 32 * 1024;

/** A part of a file's text: its lines from `start` to before `end` (indexes into textLines). */
export interface ContentPart {
  readonly start: number;
  readonly end: number;
}

/** A shown text's lines, and its parts: one for a text of up to CONTENT_PART_CHARS characters. */
export function contentParts(text: string): { lines: string[]; parts: ContentPart[] } {
  const lines = textLines(text);
  if (text.length <= CONTENT_PART_CHARS) return { lines, parts: [{ start: 0, end: lines.length }] };
  const parts: ContentPart[] = [];
  let start = 0;
  let chars = 0;
  for (let index = 0; index < lines.length; index += 1) {
    const length = (lines[index] as string).length + 1;
    if (index > start && chars + length > CONTENT_PART_CHARS) {
      parts.push({ start, end: index });
      start = index;
      chars = 0;
    }
    chars += length;
  }
  parts.push({ start, end: lines.length });
  return { lines, parts };
}

/** The text a page shows of a file: redacted unless the site includes secrets. */
function shownText(context: Context, file: FileView): Redacted {
  return context.includeSecrets ? { text: file.text, redactions: [] } : file.redacted;
}

/**
 * Site path of a part of a file's text past the first (which its section shows): next to its
 * bundle's page (admin/nodes.yaml.part-2.html) or its shared page (shared/<path>.<sha>.part-2.html).
 */
export function partPath(file: FileView, index: number): string {
  const base =
    file.anchor === undefined
      ? file.page.replace(/\.html$/, "")
      : `${file.page.slice(0, file.page.lastIndexOf("/") + 1)}${file.path}`;
  return `${base}.part-${index + 1}.html`;
}

function linesLabel(part: ContentPart): string {
  return part.end - part.start === 1 ? `line ${part.end}` : `lines ${part.start + 1}&ndash;${part.end}`;
}

/** The link from the page at `from` to a part of a file's text (the first: its section). */
function partHref(from: string, file: FileView, index: number): string {
  if (index > 0) return relativeHref(from, partPath(file, index));
  return file.anchor === undefined
    ? relativeHref(from, file.page)
    : `${from === file.page ? "" : relativeHref(from, file.page)}#${file.anchor}`;
}

/** The list of a long file's parts, each linked but the one shown here. */
function partsNav(
  file: FileView,
  lineCount: number,
  parts: readonly ContentPart[],
  current: number,
  from: string,
): string {
  const items = parts
    .map((part, index) =>
      index === current
        ? `<li><span aria-current="page">${linesLabel(part)}</span></li>`
        : `<li><a href="${partHref(from, file, index)}">${linesLabel(part)}</a></li>`,
    )
    .join("");
  return `<nav class="pager" aria-label="Parts of ${h(file.installPath)}"><p>${lineCount} lines (${size(file.size)}), shown on ${parts.length} pages:</p><ol>${items}</ol></nav>`;
}

/** A part of a file's text as a code block: line numbers go on from the part before it. */
function partCode(
  file: FileView,
  shown: Redacted,
  lines: readonly string[],
  parts: readonly ContentPart[],
  index: number,
): string {
  const part = parts[index] as ContentPart;
  const language = languageOf(file.path, file.kind === "bundle" ? undefined : file.kind, file.text);
  const code = markRedactions(highlightLines(lines.slice(part.start, part.end), language), shown);
  const last = index === parts.length - 1;
  return `<pre class="code lang-${language}${part.start > 0 ? ` from-${part.start}` : ""}"${last && file.text.endsWith("\n") ? " data-final-newline" : ""}><code>${code}</code></pre>`;
}

/** The link on to the next part of a long file's text, after a part. */
function continued(from: string, file: FileView, parts: readonly ContentPart[], index: number): string {
  const next = parts[index + 1];
  return next === undefined
    ? ""
    : `<p class="continued"><a href="${partHref(from, file, index + 1)}">Continued: ${linesLabel(next)}</a></p>`;
}

function symbolicMode(mode: number): string {
  const bits = "rwxrwxrwx";
  let out = "-";
  for (let index = 0; index < 9; index += 1) out += mode & (1 << (8 - index)) ? bits[index] : "-";
  return out;
}

/**
 * The from-scratch guide's steps a file carries out, each with what it means in this bundle's era: a
 * current release's file says what it does today; a 1.1/1.2 file quotes the guide, labelled as such.
 */
function guideSteps(context: Context, from: string, ids: readonly string[]): string {
  const href = relativeHref(from, "requirements.html");
  const items = ids.flatMap((id) => {
    const step = requirementById(id);
    if (step === undefined) return [];
    const { title, note, text } = explanation(step, context.cluster.plan.profile.era);
    return [`<li><a href="${href}#${h(id)}">${h(title)}</a> (${h(note)}): ${h(text)}</li>`];
  });
  return items.length === 0 ? "&ndash;" : `<ul class="steps">${items.join("")}</ul>`;
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

function pemSummary(context: Context, file: FileView, from: string, level: number): string {
  const certificate = file.certificate;
  if (certificate) {
    const days = daysLeft(certificate.notAfter, context.now);
    const facts: [string, string][] = [
      [
        "Certificate",
        `${h(certificate.id)} (<a href="${h(certificateHref(context, from, certificate.id))}">in the inventory</a>)`,
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

function diffSection(file: FileView, level: number, where = ""): string {
  if (file.change !== "changed") return "";
  const heading = `<h${level}>Changed since the previous generation${where}</h${level}>`;
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
export function fileSection(
  context: Context,
  where: {
    readonly tarballs: string;
    readonly back: string;
    readonly title?: string;
    /** What the section says of changes instead of the file's own diff (a shared file's, per holder). */
    readonly changes?: string;
  },
  file: FileView,
  from: string,
  level: number,
): string {
  const shown = shownText(context, file);
  const { lines, parts } = contentParts(shown.text);
  const paged = parts.length > 1;
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
    ["Guide steps", guideSteps(context, from, file.requirements)],
  ];
  const name = file.installPath.slice(file.installPath.lastIndexOf("/") + 1);
  // The page's own text is the file when nothing is redacted and the text is exact: the script offers
  // it as a download (no copy of every file on disk).
  const download =
    shown.redactions.length > 0
      ? "Secret file: no download in a redacted site."
      : paged
        ? "A long file, shown in parts: take it whole from the tarball."
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
<p>${download}${where.back ? ` &middot; ${where.back}` : ""}</p>
${pemSummary(context, file, from, next)}
${where.changes ?? diffSection(file, next)}
${redactionNote}
${paged ? `${partsNav(file, lines.length, parts, 0, from)}\n` : ""}${partCode(file, shown, lines, parts, 0)}
${paged ? `${continued(from, file, parts, 0)}\n` : ""}</section>`;
}

const CHANGE_WORDS: Readonly<Record<ChangeStatus, string>> = {
  changed: "changed in",
  added: "added in",
  unchanged: "unchanged in",
};

/**
 * How a shared file changed in each of its bundles: the same bytes can be new in one bundle (a node
 * that joined) and changed or unchanged in the others. Counts, and a diff per previous version.
 */
function sharedChanges(file: FileView, holders: readonly SharedHolder[], level: number): string {
  const counts = new Map<ChangeStatus, number>();
  for (const holder of holders)
    if (holder.change) counts.set(holder.change, (counts.get(holder.change) ?? 0) + 1);
  const sentence = (["changed", "added", "unchanged"] as const)
    .filter((change) => counts.has(change))
    .map((change) => {
      const count = counts.get(change) ?? 0;
      return `${CHANGE_WORDS[change]} ${count} bundle${count === 1 ? "" : "s"}`;
    })
    .join(", ");
  const versions = new Map<string | undefined, string[]>();
  for (const holder of holders) {
    if (holder.change !== "changed") continue;
    const names = versions.get(holder.previousText);
    if (names) names.push(holder.name);
    else versions.set(holder.previousText, [holder.name]);
  }
  const diffs = [...versions.entries()].map(([previousText, names]) =>
    diffSection(
      { ...file, change: "changed", ...(previousText !== undefined ? { previousText } : {}) },
      level + 1,
      versions.size > 1 ? ` in ${names.join(", ")}` : "",
    ),
  );
  return `<h${level}>Against the previous generation</h${level}>
<p class="changes">This file is ${sentence}.</p>
${diffs.join("\n")}`;
}

export function sharedPage(context: Context, shared: SharedFileView, file: FileView): SiteFile {
  const path = shared.page;
  const count = shared.holders.length;
  const first = shared.holders[0];
  // One change for every holder (the same status, and the same previous text): the file shows it as
  // a file on a bundle's page does; otherwise each holder is marked and the changes listed.
  const uniform = shared.holders.every(
    (holder) => holder.change === first?.change && holder.previousText === first?.previousText,
  );
  const links = shared.holders
    .map(
      (holder) =>
        `<a href="${relativeHref(path, `${holder.id}/index.html`)}">${h(holder.name)}</a>${uniform || holder.change === "unchanged" ? "" : ` ${changeBadge(holder.change)}`}`,
    )
    .join(", ");
  const everyNode = shared.everyNode;
  const where = {
    tarballs: everyNode ? "every node's tarball" : `${count} tarballs`,
    back: "",
    title: "The file",
    ...(uniform ? {} : { changes: sharedChanges(file, shared.holders, 3) }),
  };
  const shown: FileView = uniform ? file : { ...file, change: undefined, previousText: undefined };
  const body = `<h1><code>${h(file.installPath)}</code> ${changeBadge(shown.change)}</h1>
<p>The same file, byte for byte, in ${everyNode ? `every node's bundle (${count})` : `${count} bundles`}, shown once here:</p>
<p class="holders">${links}</p>
${fileSection(context, where, shown, path, 2)}`;
  const title = `${file.installPath.slice(file.installPath.lastIndexOf("/") + 1)} · shared`;
  return page(context, path, title, body, { crumbs: [[`${file.path} (shared)`, undefined]] });
}

/**
 * The pages of a long file's text past its first part (which its section shows): each part's lines,
 * numbered on from the part before, with the list of parts. `owner` is where its section is: its
 * bundle's page, or its shared page.
 */
export function partPages(context: Context, file: FileView, owner: string): SiteFile[] {
  const shown = shownText(context, file);
  if (shown.text.length <= CONTENT_PART_CHARS) return [];
  const { lines, parts } = contentParts(shown.text);
  const name = file.installPath.slice(file.installPath.lastIndexOf("/") + 1);
  return parts.slice(1).map((part, at) => {
    const index = at + 1;
    const path = partPath(file, index);
    const body = `<h1><code>${h(file.installPath)}</code>, ${linesLabel(part)}</h1>
<p>Part ${index + 1} of ${parts.length} of the file's text. Its facts, and the first part, are <a href="${partHref(path, file, 0)}">${file.anchor === undefined ? "on its page" : `in its section of ${h(owner)}'s page`}</a>.</p>
${partsNav(file, lines.length, parts, index, path)}
${partCode(file, shown, lines, parts, index)}
${continued(path, file, parts, index)}`;
    return page(context, path, `${name}, ${linesLabel(part).replace("&ndash;", "\u2013")}`, body, {
      crumbs: [
        [owner, file.page],
        [`${file.path}, part ${index + 1}`, undefined],
      ],
      previous: index === 1 ? file.page : partPath(file, index - 1),
      ...(index + 1 < parts.length ? { next: partPath(file, index + 1) } : {}),
    });
  });
}

/**
 * Where the parts of long files start (lines before them), for the stylesheet: line numbers go on
 * from the part before. A shared file is looked at once.
 */
export function partStarts(context: Context): number[] {
  const starts = new Set<number>();
  const sharedSeen = new Set<string>();
  for (const bundle of context.bundles)
    for (const file of bundle.files) {
      if (file.shared) {
        if (sharedSeen.has(file.shared.page)) continue;
        sharedSeen.add(file.shared.page);
      }
      const shown = shownText(context, file);
      if (shown.text.length <= CONTENT_PART_CHARS) continue;
      for (const part of contentParts(shown.text).parts) if (part.start > 0) starts.add(part.start);
    }
  return [...starts].sort((a, b) => a - b);
}

/** The stylesheet's rules for partStarts: `pre.code.from-2300` numbers its first line 2301. */
export function partStartRules(starts: readonly number[]): string {
  if (starts.length === 0) return "";
  return `${starts.map((start) => `pre.code.from-${start}{counter-reset:line ${start}}`).join("")}\n`;
}
