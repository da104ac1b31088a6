// Maps a JSON pointer back to a line and column of the YAML (or JSON) text it came from.
// js-yaml turns text into plain values and keeps no positions; the `yaml` package keeps a concrete
// syntax tree with source ranges, so it is used here, on the error path only, to point at the spot.
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
