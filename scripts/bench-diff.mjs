// The review site's line diff (site/src/diff.ts, jsdiff) on the cases that matter to it: a node's
// pod-routes table when a node joins (1,000 and 5,000 nodes), one removed and one added among 5,000
// routes, a small YAML change, and the worst case (unrelated texts, stopped by the edit limit). The
// numbers of the hand-written diff it replaced are in site/src/diff.ts's header. Needs `pnpm build`.
//
//   node scripts/bench-diff.mjs
import { diffLines } from "../site/dist/diff.js";

const routes = (count, skip = -1) =>
  Array.from({ length: count }, (_, i) =>
    i === skip
      ? undefined
      : `10.${(i >> 8) & 255}.${i & 255}.0/24 192.168.${(i >> 8) & 255}.${i & 255} worker-${i}`,
  )
    .filter((line) => line !== undefined)
    .join("\n") + "\n";
const yaml = (count, changed) =>
  Array.from({ length: count }, (_, i) => `  key${i}: ${i % 97 === changed ? "changed" : `value${i}`}`).join(
    "\n",
  ) + "\n";
const unrelated = (count, seed) => {
  let x = seed;
  return (
    Array.from({ length: count }, () => `line ${(x = (x * 1103515245 + 12345) % 2147483648) % 50}`).join(
      "\n",
    ) + "\n"
  );
};
const cases = [
  ["pod-routes, 1,000 -> 1,001 nodes", routes(1000), routes(1001), 20],
  ["pod-routes, 5,000 -> 5,001 nodes", routes(5000), routes(5001), 20],
  ["5,000 routes, one removed, one added", routes(5001, 17), routes(5001, 4000), 20],
  ["300 lines of YAML, 4 changed", yaml(300, -1), yaml(300, 3), 20],
  ["2,000 unrelated lines (worst case)", unrelated(2000, 1), unrelated(2000, 2), 3],
];
console.log("case | ms per diff | changed lines");
for (const [name, before, after, runs] of cases) {
  diffLines(before, after);
  const start = process.hrtime.bigint();
  for (let run = 0; run < runs; run += 1) diffLines(before, after);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  const lines = diffLines(before, after);
  console.log(
    `${name} | ${ms.toFixed(2)} | ${lines ? lines.filter((line) => line.op !== " ").length : "over the limit"}`,
  );
}
