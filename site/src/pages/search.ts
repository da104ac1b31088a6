// The search page, the index its script reads, and that script. The search finds files by bundle,
// path, kind, requirements, why they exist and the words of their (redacted) content.
//
// The index stays small by grouping: one entry per path in the bundles, not one per file of every
// bundle. An entry keeps the words every holder's copy has once, and for the other words only which
// holders have them (a node's name, IP and pod range in its kubelet config). Holders are bundle numbers
// written as ranges ("0-999"). Words come from the redacted text, so no secret reaches the index.
import { encodePath } from "../html.js";
import type { BundleView, FileView } from "../model.js";
import type { Redacted } from "../redact.js";
import { page, type Context, type SiteFile } from "./common.js";

export function searchPage(context: Context): SiteFile {
  const path = "search.html";
  const body = `<h1>Search files</h1>
<p><label for="search">Search every file of every bundle by node, path, kind, why it exists or the words it holds</label><br><input type="search" id="search" placeholder="e.g. kubelet.service, cp-1 pki, service-cluster-ip-range" autocomplete="off"></p>
<p id="result-count" aria-live="polite">The search needs the page's script; the node pages list every file too.</p>
<ol id="results"></ol>`;
  return page(context, path, "Search", body, {
    crumbs: [["Search", undefined]],
    scripts: ["assets/search-index.js", "assets/search.js"],
  });
}

/** Words longer than this (base64) and hex hashes are not searched: no one types them. */
const LONGEST_WORD = 64;
const HASH = /^[0-9a-f]{32,}$/;
// A word: letters, digits, the punctuation of flags, paths, addresses and keys, and the placeholders.
const WORD = /[a-z0-9\ue000-\ue003][a-z0-9._:/@=+\ue000-\ue003-]*/g;
// PEM blocks (their type is kept) and the base64 lines of keys and certificates.
const PEM = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;
const BASE64_LINE = /^[A-Za-z0-9+/=]{40,}$/gm;
// Placeholders for a node's own name, IP, pod range and bridge IP (private-use characters, which no
// generated file holds): a node's kubelet config then has the words every node's has, and the index
// keeps them once; the script puts each node's values back.
const PLACEHOLDERS = ["\ue000", "\ue001", "\ue002", "\ue003"] as const;

/** The words of a file's shown text (redactions are placeholders, never the secret). */
function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  const plain = text.replace(PEM, (_block, type: string) => type).replace(BASE64_LINE, " ");
  for (const match of plain.toLowerCase().matchAll(WORD)) {
    const word = match[0].replace(/[.:=/-]+$/, "");
    if (word.length >= 2 && word.length <= LONGEST_WORD && !HASH.test(word)) words.add(word);
  }
  return words;
}

/** A node's own values, longest first, with their placeholders: replaced in its own files' text. */
function ownValues(bundle: BundleView): [string, string][] {
  const node = bundle.node;
  if (!node) return [];
  const values: [string, string][] = [
    [node.name, PLACEHOLDERS[0]],
    [node.ip, PLACEHOLDERS[1]],
    [node.podCIDR, PLACEHOLDERS[2]],
    [node.bridgeIP, PLACEHOLDERS[3]],
  ];
  return values.filter(([value]) => value !== "").sort(([a], [b]) => b.length - a.length);
}

function withPlaceholders(text: string, values: readonly [string, string][]): string {
  let out = text;
  for (const [value, placeholder] of values) out = out.split(value).join(placeholder);
  return out;
}

/** Bundle numbers as ranges: [0, 1, 2, 5] is "0-2,5". */
export function ranges(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let index = 0; index < numbers.length;) {
    const start = numbers[index] as number;
    let end = start;
    while (numbers[index + 1] === end + 1) {
      end += 1;
      index += 1;
    }
    parts.push(start === end ? String(start) : `${start}-${end}`);
    index += 1;
  }
  return parts.join(",");
}

/** One path of the bundles, as the search index holds it (see SEARCH_JS for how it is read). */
type IndexEntry = [
  installPath: string,
  /** Kind, "secret" and the requirements: the same in every holder. */
  tags: string,
  /** Why the file exists, with placeholders, when every holder says the same; "" otherwise. */
  why: string,
  /** The holders, as ranges of bundle numbers. */
  holders: string,
  /** Words every holder has, space-separated (some with placeholders: each holder's own values). */
  words: string,
  /** Other words: word -> the holders that have it. */
  some: Record<string, string>,
  /** Where each holder shows the file: [shared page, or "#" + anchor on the bundle's page, holders]. */
  where: [string, string][],
];

export function searchIndex(context: Context): SiteFile {
  // Files by path (and the facts that make them one entry), holders in bundle order.
  const byPath = new Map<string, { number: number; file: FileView }[]>();
  context.bundles.forEach((bundle, number) => {
    for (const file of bundle.files) {
      const key = `${file.path}\u0000${file.kind}\u0000${file.secret}\u0000${file.requirements.join(" ")}`;
      let list = byPath.get(key);
      if (!list) byPath.set(key, (list = []));
      list.push({ number, file });
    }
  });
  const values = context.bundles.map(ownValues);
  const entries: IndexEntry[] = [];
  for (const holders of byPath.values()) {
    const first = (holders[0] as { file: FileView }).file;
    // A file several bundles hold is read once (its holders share one redacted text), and as it is:
    // its words are the same for each. A file of one bundle is read with that node's placeholders.
    const sharedWords = new Map<Redacted, Set<string>>();
    const seen = new Map<string, number[]>();
    const whys = new Set<string>();
    for (const { number, file } of holders) {
      const own = values[number] ?? [];
      const shown = context.includeSecrets ? { text: file.text, redactions: [] } : file.redacted;
      let contentWords: Set<string> | undefined;
      if (file.shared) {
        contentWords = sharedWords.get(file.redacted);
        if (!contentWords) sharedWords.set(file.redacted, (contentWords = wordsOf(shown.text)));
      } else contentWords = wordsOf(withPlaceholders(shown.text, own));
      const why = file.shared ? file.why : withPlaceholders(file.why, own);
      whys.add(why);
      const words = new Set([...contentWords, ...wordsOf(why)]);
      if (file.change === "added" || file.change === "changed") words.add(file.change);
      if (file.shared) words.add("shared");
      for (const word of words) {
        const list = seen.get(word);
        if (list) list.push(number);
        else seen.set(word, [number]);
      }
    }
    const common: string[] = [];
    const some: Record<string, string> = {};
    for (const [word, numbers] of [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (numbers.length === holders.length) common.push(word);
      else some[word] = ranges(numbers);
    }
    const where = new Map<string, number[]>();
    for (const { number, file } of holders) {
      const target = file.anchor === undefined ? encodePath(file.page) : `#${file.anchor}`;
      const list = where.get(target);
      if (list) list.push(number);
      else where.set(target, [number]);
    }
    entries.push([
      first.installPath,
      `${first.kind}${first.secret ? " secret" : ""} ${first.requirements.join(" ")}`.trim(),
      whys.size === 1 ? ([...whys][0] as string) : "",
      ranges(holders.map(({ number }) => number)),
      common.join(" "),
      some,
      [...where.entries()].map(([target, numbers]) => [target, ranges(numbers)]),
    ]);
  }
  // Each bundle: its directory, name, and (a node's) the values of its placeholders.
  const bundles = context.bundles.map((bundle) => [
    encodePath(bundle.id),
    bundle.name,
    ...(bundle.node ? [bundle.node.name, bundle.node.ip, bundle.node.podCIDR, bundle.node.bridgeIP] : []),
  ]);
  // JSON inside a script: "<" escaped so no "</script>" can end it early, and the file kept ASCII.
  const json = JSON.stringify({ bundles, files: entries }).replace(
    /[<\u0080-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return { path: "assets/search-index.js", content: `window.KUBESCRATCH_INDEX = ${json};\n` };
}

/**
 * The search page's script: every word typed must match the file's path, tags, bundle, why or
 * words (as a substring); a file several bundles share is one result linking its page, a file of its
 * own one result per bundle. Counts are files in bundles, as the node pages list them.
 */
export const SEARCH_JS = `(function () {
  "use strict";
  var OWN = /[\\ue000-\\ue003]/;
  function decode(text) {
    var out = [];
    if (!text) return out;
    text.split(",").forEach(function (part) {
      var bounds = part.split("-"), start = Number(bounds[0]), end = Number(bounds[bounds.length - 1]);
      for (var n = start; n <= end; n += 1) out.push(n);
    });
    return out;
  }
  function intersect(a, b) {
    var set = {}, out = [];
    b.forEach(function (n) { set[n] = true; });
    a.forEach(function (n) { if (set[n]) out.push(n); });
    return out;
  }
  function setUp(input, index) {
    var results = document.getElementById("results");
    var count = document.getElementById("result-count");
    var limit = 200;
    var bundles = index.bundles;
    // A word with placeholders, as bundle n's file holds it: the node's name, IP, pod range, bridge IP.
    function own(text, n) {
      var b = bundles[n];
      if (!OWN.test(text) || b.length < 6) return text;
      return text.replace(/[\\ue000-\\ue003]/g, function (c) { return String(b[2 + c.charCodeAt(0) - 0xe000]).toLowerCase(); });
    }
    var cache = [];
    function entry(i) {
      if (!cache[i]) {
        var raw = index.files[i];
        cache[i] = {
          path: raw[0], tags: raw[1], why: raw[2], holders: decode(raw[3]),
          text: (raw[0] + " " + raw[1] + " " + raw[2] + " " + raw[4]).toLowerCase(),
          templates: (raw[2].toLowerCase() + " " + raw[4]).split(" ").filter(function (w) { return OWN.test(w); }),
          some: raw[5], where: raw[6].map(function (pair) { return [pair[0], decode(pair[1])]; })
        };
      }
      return cache[i];
    }
    function matching(file, word) {
      if (file.text.indexOf(word) !== -1) return file.holders;
      var found = {};
      file.holders.forEach(function (n) {
        if (bundles[n][1].toLowerCase().indexOf(word) !== -1) found[n] = true;
        else for (var t = 0; t < file.templates.length; t += 1) {
          if (own(file.templates[t], n).indexOf(word) !== -1) { found[n] = true; break; }
        }
      });
      for (var key in file.some) {
        if (!OWN.test(key)) {
          if (key.indexOf(word) !== -1) decode(file.some[key]).forEach(function (n) { found[n] = true; });
        } else decode(file.some[key]).forEach(function (n) { if (own(key, n).indexOf(word) !== -1) found[n] = true; });
      }
      return file.holders.filter(function (n) { return found[n]; });
    }
    function add(href, label, file, why, note) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = href;
      link.setAttribute("data-nav", "");
      link.textContent = label;
      var kind = document.createElement("span");
      kind.className = "badge";
      // The tags hold the guide steps' ids for the requirements page's links; the badge shows the words.
      kind.textContent = file.tags.replace(/(^|\\s)S\\d+(?=\\s|$)/g, "").trim();
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(kind);
      if (note) item.appendChild(document.createTextNode(" " + note));
      if (why) {
        var text = document.createElement("div");
        text.className = "why";
        text.textContent = why;
        item.appendChild(text);
      }
      results.appendChild(item);
    }
    function run() {
      var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
      results.textContent = "";
      var all = 0;
      for (var i = 0; i < index.files.length; i += 1) all += entry(i).holders.length;
      if (words.length === 0) { count.textContent = all + " files; type to search."; return; }
      var shown = 0, total = 0;
      for (var j = 0; j < index.files.length; j += 1) {
        var file = entry(j), hits = file.holders;
        for (var w = 0; w < words.length && hits.length > 0; w += 1) hits = intersect(hits, matching(file, words[w]));
        if (hits.length === 0) continue;
        total += hits.length;
        file.where.forEach(function (pair) {
          var here = intersect(hits, pair[1]);
          if (here.length === 0) return;
          if (pair[0].charAt(0) !== "#") {
            if (shown < limit) add(pair[0], file.path, file, file.why, "(the same file in " + pair[1].length + " bundles" + (here.length < pair[1].length ? ", " + here.length + " of them matching" : "") + ")");
            shown += 1;
            return;
          }
          here.forEach(function (n) {
            if (shown < limit) add(bundles[n][0] + "/index.html" + pair[0], bundles[n][1] + ": " + file.path, file, file.why.replace(/[\\ue000-\\ue003]/g, function (c) { return String(bundles[n][2 + c.charCodeAt(0) - 0xe000]); }), "");
            shown += 1;
          });
        });
      }
      count.textContent = total + " matching files" + (shown > limit ? ", first " + limit + " results shown" : "") + ".";
    }
    input.addEventListener("input", run);
    var query = /[?&]q=([^&]*)/.exec(window.location.search);
    if (query) input.value = decodeURIComponent(query[1].replace(/\\+/g, " "));
    run();
  }
  function start() {
    var input = document.getElementById("search");
    if (input && window.KUBESCRATCH_INDEX) setUp(input, window.KUBESCRATCH_INDEX);
  }
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
`;
