// Maps a JSON pointer back to a line and column of the YAML (or JSON) text it came from.
// js-yaml (the project's YAML library, which loads and dumps everything else) turns text into plain
// values and keeps no positions; the `yaml` package keeps a syntax tree with source ranges, so it is
// used here, only when an error or warning needs a position, to point at the spot. js-yaml's `listener` option is no
// substitute: it reports where the reader stood when a node opened (before the spaces, comments,
// anchor and tag in front of the node) with nothing to tell a key from a value, and its stream holds
// the attempts js-yaml rewinds (a flow collection at the top is first read as a candidate block-mapping
// key, properties are re-read by tryReadBlockMappingFromProperty). A prototype that rebuilt the tree
// from it, with its own skipping of spaces, comments and properties, still placed 9,044 of 31,798
// pointers (the fixtures, their JSON forms, a few edge cases) elsewhere than `yaml` does: every one in
// a JSON spec, explicit `? key` entries, `[k: v]` pairs; and on invalid text js-yaml stops at the
// first error, where `yaml` still gives a tree.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { segmentsOf } from "./errors.js";

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export type Locator = (pointer: string, at: "key" | "value") => SourcePosition | undefined;

export function yamlLocator(text: string): Locator {
  let parsed: { root: unknown; lines: LineCounter } | undefined;
  return (pointer, at) => {
    if (!parsed) {
      const lines = new LineCounter();
      const document = parseDocument(text, { lineCounter: lines, uniqueKeys: false, strict: false });
      parsed = { root: document.contents, lines };
    }
    const offset = findOffset(parsed.root, segmentsOf(pointer), at);
    if (offset === undefined) return undefined;
    const { line, col } = parsed.lines.linePos(offset);
    return { line, column: col };
  };
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === "object" && "range" in node) {
    const range = (node as Node).range;
    if (range) return range[0];
  }
  return undefined;
}

/** Offset of the deepest existing node on the path: missing fields point at their parent. */
function findOffset(root: unknown, segments: readonly string[], at: "key" | "value"): number | undefined {
  let node: unknown = root;
  let best = rangeStart(root);
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === segment,
      );
      if (!pair) return best;
      if (last && at === "key") return rangeStart(pair.key) ?? best;
      node = pair.value;
      best = rangeStart(pair.value) ?? rangeStart(pair.key) ?? best;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return best;
      node = item;
      best = rangeStart(item) ?? best;
    } else {
      return best;
    }
  }
  return best;
}
