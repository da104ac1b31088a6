// pnpm bench: the cost of the PKI for large current clusters, next to the floors it is judged by —
// Node's native key generation with both cores busy, and the "Kubernetes the Hard Way" method of one
// `openssl genrsa` process per key. Needs `pnpm build` first (pnpm bench runs it).
//
//   node scripts/bench.mjs [--nodes 1000] [--algorithms ecdsa-p256,rsa-2048] [--openssl-keys 200|all]
//                          [--generate-nodes 5,100,1000] [--generate-algorithm ecdsa-p256]
//
// The second table runs the real `kubescratch generate` under /usr/bin/time -v (wall time, peak
// RSS) and sets it next to the native key-generation floor for the same number of keys, which is
// the share of the run that key generation needs at the least.
//
// The openssl loop runs one process per key, one at a time, as a shell loop would. By default it
// measures 200 keys and extrapolates to the key count of the run (say so in the table); pass
// --openssl-keys all to run every key (about 0.2 s per RSA key here).
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import { cpus, tmpdir } from "node:os";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { issuePki, parseSpec, planCluster } from "../packages/core/dist/index.js";
import { nodeKeyCapability, nodeRandom } from "../packages/core/dist/node/index.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    algorithms: { type: "string", default: "ecdsa-p256,rsa-2048" },
    "openssl-keys": { type: "string", default: "200" },
    "generate-nodes": { type: "string", default: "5,100,1000" },
    "generate-algorithm": { type: "string", default: "ecdsa-p256" },
  },
});
const nodeCount = Number(values.nodes);
const algorithms = values.algorithms.split(",");

function clusterSpec(count, keyAlgorithm) {
  const nodes = Array.from({ length: count }, (_, index) => ({
    name: `node-${String(index).padStart(5, "0")}`,
    ip: `172.16.${Math.floor(index / 250)}.${(index % 250) + 1}`,
    roles: index < 3 ? ["control-plane", "etcd"] : ["worker"],
  }));
  return parseSpec({
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "Cluster",
    name: "bench",
    kubernetesVersion: "1.34",
    security: { keyAlgorithm, credentialLayout: "per-entity" },
    network: { mode: "routed", podCIDR: "10.64.0.0/10", serviceCIDR: "10.32.0.0/16" },
    nodes,
  }).spec;
}

function nativeFloor(algorithm, count) {
  const options = algorithm.startsWith("rsa-")
    ? ["rsa", { modulusLength: Number(algorithm.slice(4)) }]
    : ["ec", { namedCurve: algorithm === "ecdsa-p256" ? "prime256v1" : "secp384r1" }];
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await new Promise((resolve, reject) =>
        generateKeyPair(
          options[0],
          {
            ...options[1],
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "der" },
          },
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    }
  };
  return Promise.all(Array.from({ length: 8 }, worker)).then(() => (performance.now() - start) / 1000);
}

function opensslLoop(algorithm, count) {
  const directory = mkdtempSync(join(tmpdir(), "kubescratch-bench-"));
  const command = algorithm.startsWith("rsa-")
    ? `openssl genrsa -out "$d/k$i.pem" ${algorithm.slice(4)} 2>/dev/null`
    : `openssl ecparam -name ${algorithm === "ecdsa-p256" ? "prime256v1" : "secp384r1"} -genkey -noout -out "$d/k$i.pem"`;
  const start = performance.now();
  execFileSync("bash", ["-c", `d=${directory}; for i in $(seq 1 ${count}); do ${command}; done`]);
  const seconds = (performance.now() - start) / 1000;
  rmSync(directory, { recursive: true, force: true });
  return seconds;
}

const rows = [];
for (const algorithm of algorithms) {
  const spec = clusterSpec(nodeCount, algorithm);
  const plan = planCluster(spec);
  const start = performance.now();
  const pki = await issuePki(spec, plan, { now: new Date(), random: nodeRandom, keys: nodeKeyCapability() });
  const seconds = (performance.now() - start) / 1000;
  const keys = pki.keysGenerated;
  const reuseStart = performance.now();
  const again = await issuePki(spec, plan, {
    now: new Date(),
    random: nodeRandom,
    keys: nodeKeyCapability(),
    previousState: pki.state,
  });
  const reuseSeconds = (performance.now() - reuseStart) / 1000;
  if (again.keysGenerated !== 0) throw new Error("regeneration with a complete state made keys");
  const floor = await nativeFloor(algorithm, keys);
  const sample = values["openssl-keys"] === "all" ? keys : Math.min(keys, Number(values["openssl-keys"]));
  const opensslSeconds = (opensslLoop(algorithm, sample) * keys) / sample;
  rows.push({
    algorithm,
    nodes: nodeCount,
    keys,
    certificates: pki.certificates.length,
    seconds,
    keysPerSecond: keys / seconds,
    reuseSeconds,
    floor,
    opensslSeconds,
    opensslNote: sample === keys ? "measured" : `${sample} keys measured, extrapolated`,
  });
}

const format = (value, digits = 2) => value.toFixed(digits);
console.log(`kubescratch PKI benchmark — ${new Date().toISOString()}`);
console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, OpenSSL ${process.versions.openssl}`,
);
console.log(`peak RSS of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
console.log(
  [
    "algorithm",
    "nodes",
    "keys",
    "certs",
    "PKI s",
    "keys/s",
    "reuse s",
    "native floor s",
    "PKI/floor",
    "openssl loop s",
    "PKI/openssl",
    "openssl loop",
  ].join(" | "),
);
for (const row of rows) {
  console.log(
    [
      row.algorithm,
      row.nodes,
      row.keys,
      row.certificates,
      format(row.seconds),
      format(row.keysPerSecond, 1),
      format(row.reuseSeconds),
      format(row.floor),
      format(row.seconds / row.floor),
      format(row.opensslSeconds, 1),
      format(row.seconds / row.opensslSeconds),
      row.opensslNote,
    ].join(" | "),
  );
}

const generateRows = [];
for (const count of values["generate-nodes"].split(",").map(Number)) {
  const algorithm = values["generate-algorithm"];
  const directory = mkdtempSync(join(tmpdir(), "kubescratch-bench-generate-"));
  const specFile = join(directory, "cluster.json");
  const spec = clusterSpec(count, algorithm);
  writeFileSync(specFile, JSON.stringify(spec));
  const cli = new URL("../packages/cli/dist/main.js", import.meta.url).pathname;
  const run = spawnSync(
    "/usr/bin/time",
    ["-v", "node", cli, "generate", specFile, "-o", join(directory, "out"), "--json"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 30,
    },
  );
  if (run.status !== 0) throw new Error(`generate failed: ${run.stderr}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(run.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1] ?? NaN) / 1024;
  const summary = JSON.parse(run.stdout);
  const bytes = summary.nodes.reduce((total, node) => total + node.bytes, 0);
  const floor = await nativeFloor(algorithm, summary.keysGenerated);
  generateRows.push({ count, algorithm, seconds, rss, keys: summary.keysGenerated, bytes, floor });
  rmSync(directory, { recursive: true, force: true });
}
console.log("\nkubescratch generate (the CLI, end to end)");
console.log(["nodes", "keys", "wall s", "peak RSS MB", "bundle MB", "key floor s", "key share"].join(" | "));
for (const row of generateRows) {
  console.log(
    [
      row.count,
      row.keys,
      format(row.seconds),
      Math.round(row.rss),
      format(row.bytes / 1048576),
      format(row.floor),
      `${Math.round((row.floor / row.seconds) * 100)}%`,
    ].join(" | "),
  );
}
