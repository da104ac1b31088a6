// What both benchmarks (bench.mjs, bench-site.mjs) share: the cluster they generate, the CLI run
// under /usr/bin/time -v, and the median of repeated runs.
import { spawnSync } from "node:child_process";

export const cli = new URL("../packages/cli/dist/main.js", import.meta.url).pathname;

/**
 * The benchmark cluster: current Kubernetes, per-entity credentials, routed pod network, 3
 * control-plane/etcd nodes and the rest workers.
 */
export function benchCluster(count, keyAlgorithm = "ecdsa-p256") {
  return {
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "Cluster",
    name: "bench",
    kubernetesVersion: "1.34",
    security: { keyAlgorithm, credentialLayout: "per-entity" },
    network: { mode: "routed", podCIDR: "10.64.0.0/10", serviceCIDR: "10.32.0.0/16" },
    nodes: Array.from({ length: count }, (_, index) => ({
      name: `node-${String(index).padStart(5, "0")}`,
      ip: `172.16.${Math.floor(index / 250)}.${(index % 250) + 1}`,
      roles: index < 3 ? ["control-plane", "etcd"] : ["worker"],
    })),
  };
}

/** Runs the CLI under /usr/bin/time -v: wall seconds, peak RSS in MB, stdout. */
export function timedCli(args) {
  const run = spawnSync("/usr/bin/time", ["-v", process.execPath, cli, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`kubescratch ${args[0]} failed: ${run.stderr}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(run.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1] ?? NaN) / 1024;
  return { seconds, rss, stdout: run.stdout };
}

export function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
