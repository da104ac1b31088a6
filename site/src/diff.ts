// Line diffs between a previous generation's file and this one's: Myers' O(ND) algorithm on lines,
// after trimming the common head and tail, shown as unified hunks with a few lines of context.

export type DiffLine = { readonly op: " " | "-" | "+"; readonly text: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

/** The edit script turning `before` into `after`, or undefined when it exceeds `maxEdits`. */
export function diffLines(before: string, after: string, maxEdits = 4000): DiffLine[] | undefined {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail += 1;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const middle = myers(x, y, maxEdits);
  if (!middle) return undefined;
  return [
    ...a.slice(0, head).map((text) => ({ op: " " as const, text })),
    ...middle,
    ...a.slice(a.length - tail).map((text) => ({ op: " " as const, text })),
  ];
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffLine[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = n === 0 && m === 0;
  for (let d = 0; d <= max && !found; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))
          ? (v[offset + k + 1] ?? 0)
          : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found) return undefined;
  trace.push(v.slice());
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0 && (x > 0 || y > 0); d -= 1) {
    const row = trace[d] as Int32Array;
    const k = x - y;
    const previousK =
      k === -d || (k !== d && (row[offset + k - 1] ?? 0) < (row[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : (row[offset + previousK] ?? 0);
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      out.push({ op: " ", text: a[x - 1] as string });
      x -= 1;
      y -= 1;
    }
    if (d === 0) break;
    if (x === previousX) out.push({ op: "+", text: b[y - 1] as string });
    else out.push({ op: "-", text: a[x - 1] as string });
    x = previousX;
    y = previousY;
  }
  while (x > 0 && y > 0) {
    out.push({ op: " ", text: a[x - 1] as string });
    x -= 1;
    y -= 1;
  }
  return out.reverse();
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
