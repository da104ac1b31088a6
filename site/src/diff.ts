// Line diffs between a previous generation's file and this one's: jsdiff's (npm "diff") Myers diff on
// lines, shown as unified hunks with a few lines of context.
//
// jsdiff replaced a hand-written Myers diff (issue 18). Measured with scripts/bench-diff.mjs's cases
// on Node 20, both in one run on the same (shared, 2-core) machine, ms per diff, jsdiff vs the old
// one: pod-routes of 1,000 -> 1,001 nodes 8.5 vs 2.4; 5,000 -> 5,001 nodes 9.9 vs 14.3; 5,000 routes
// with one removed and one added 6.0 vs 29.0; 300 lines of YAML, 4 changed, 0.25 vs 0.04; 2,000
// unrelated lines, the worst case, 2,016 vs 743 (both stopped by the same edit limit). Not worse where
// it counts: the site diffs each distinct previous text once (a grown cluster's routes table is one
// diff, not one per node), and small files take well under a millisecond either way.
// No `timeout` option: a diff that depends on the clock would make the same inputs give other pages.
import { diffLines as changesOf } from "diff";

export type DiffLine = { readonly op: " " | "-" | "+"; readonly text: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

/** The edit script turning `before` into `after`, or undefined when it exceeds `maxEdits`. */
export function diffLines(before: string, after: string, maxEdits = 4000): DiffLine[] | undefined {
  const changes = changesOf(before, after, { maxEditLength: maxEdits });
  if (!changes) return undefined;
  const lines: DiffLine[] = [];
  for (const change of changes) {
    const op = change.added ? "+" : change.removed ? "-" : " ";
    for (const text of splitLines(change.value)) lines.push({ op, text });
  }
  return lines;
}

export interface Hunk {
  readonly header: string;
  readonly lines: readonly DiffLine[];
}

/** Groups a diff into hunks with `context` unchanged lines around each change. */
export function hunks(lines: readonly DiffLine[], context = 3): Hunk[] {
  const result: Hunk[] = [];
  const changed = lines.map((line) => line.op !== " ");
  let index = 0;
  const oldLine = [0];
  const newLine = [0];
  // Running line numbers before each diff line.
  for (const line of lines) {
    oldLine.push((oldLine[oldLine.length - 1] ?? 0) + (line.op === "+" ? 0 : 1));
    newLine.push((newLine[newLine.length - 1] ?? 0) + (line.op === "-" ? 0 : 1));
  }
  while (index < lines.length) {
    if (!changed[index]) {
      index += 1;
      continue;
    }
    const start = Math.max(0, index - context);
    let end = index;
    while (end < lines.length) {
      if (changed[end]) {
        end += 1;
        continue;
      }
      let next = end;
      while (next < lines.length && !changed[next]) next += 1;
      if (next < lines.length && next - end <= context * 2) end = next;
      else break;
    }
    const stop = Math.min(lines.length, end + context);
    const slice = lines.slice(start, stop);
    const oldCount = slice.filter((line) => line.op !== "+").length;
    const newCount = slice.filter((line) => line.op !== "-").length;
    result.push({
      header: `@@ -${(oldLine[start] ?? 0) + 1},${oldCount} +${(newLine[start] ?? 0) + 1},${newCount} @@`,
      lines: slice,
    });
    index = stop;
  }
  return result;
}
