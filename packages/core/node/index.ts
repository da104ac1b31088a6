// Secure defaults for Node.js callers of @kubescratch/core: native key generation and signing, the
// system's random source and clock.
import {
  createHash,
  createPrivateKey,
  generateKeyPair,
  randomBytes,
  sign,
  type KeyObject,
} from "node:crypto";
import { constants, crc32, deflateRaw, deflateRawSync } from "node:zlib";
import { KeyWorkers, type KeySpec } from "./key-workers.js";
import {
  BUNDLE_LEVEL,
  generateCluster as generateWith,
  gzipFromParts,
  packAdmin,
  packNode,
  type Bundle,
  type DeflatedPart,
  type Deflater,
  type PackedBundle,
  type GenerateOptions,
  type GeneratedCluster,
  type KeyAlgorithm,
  type KeyCapability,
  type BundleOptions,
  type RandomSource,
  type ClusterSpecInput,
} from "@kubescratch/core";

/** Parsed keys kept for signing: CA keys sign every leaf, and parsing a PEM costs about 0.3 ms. */
const KEY_CACHE_SIZE = 64;

const PRIVATE_KEY = { type: "pkcs8", format: "pem" } as const;

function keySpec(algorithm: KeyAlgorithm): KeySpec {
  switch (algorithm) {
    case "rsa-2048":
    case "rsa-3072":
    case "rsa-4096":
      return { type: "rsa", options: { modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001 } };
    case "ecdsa-p256":
    case "ecdsa-p384":
      return { type: "ec", options: { namedCurve: algorithm === "ecdsa-p256" ? "prime256v1" : "secp384r1" } };
  }
}

/**
 * A new key pair on libuv's thread pool, exported here. Node can export on the pool too (the
 * encoding options of generateKeyPair), but then does it on this thread after all, and more slowly:
 * 230 µs a P-256 key against 100 µs for a KeyObject exported afterwards (measured, Node 20).
 */
function generateOnPool(algorithm: KeyAlgorithm): Promise<string> {
  const { type, options } = keySpec(algorithm);
  return new Promise<string>((resolve, reject) => {
    const done = (error: Error | null, _publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) {
        reject(error);
        return;
      }
      try {
        resolve(privateKey.export(PRIVATE_KEY) as string);
      } catch (caught) {
        reject(caught instanceof Error ? caught : new Error(String(caught)));
      }
    };
    if (type === "rsa") generateKeyPair("rsa", options as { modulusLength: number }, done);
    else generateKeyPair("ec", options as { namedCurve: string }, done);
  });
}

/**
 * Keys a capability makes on libuv's pool before it starts worker threads: starting them costs
 * tens of milliseconds, which a small cluster's keys do not repay.
 */
const KEYS_BEFORE_WORKERS = 64;

/**
 * Node's native crypto (OpenSSL): keys made in parallel on every core (libuv's pool for the first
 * few, then worker threads, which also export them off the main thread); PKCS#1 v1.5 and ECDSA
 * signatures.
 */
export function nodeKeyCapability(): KeyCapability {
  const cache = new Map<string, KeyObject>();
  const keyObject = (pem: string): KeyObject => {
    let key = cache.get(pem);
    if (key === undefined) {
      key = createPrivateKey(pem);
      if (cache.size >= KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(pem, key);
    }
    return key;
  };
  let requested = 0;
  let workers: KeyWorkers | undefined;
  return {
    generateKeyPair(algorithm) {
      requested += 1;
      if (requested <= KEYS_BEFORE_WORKERS) return generateOnPool(algorithm);
      workers ??= new KeyWorkers();
      return workers.generate(keySpec(algorithm));
    },
    sign(privateKeyPem, digest, data) {
      return new Uint8Array(sign(digest, data, keyObject(privateKeyPem)));
    },
  };
}

/** Node's native SHA-256, hex. */
export function nativeSha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Random bytes drawn from the CSPRNG at once, handed out in order and never twice. */
const RANDOM_BATCH = 4096;
let randomBatch = new Uint8Array(0);
let randomOffset = 0;

/**
 * The operating system's CSPRNG (OpenSSL's RAND_bytes, through Node). A certificate serial or a token
 * asks for 16-32 bytes; one call per request cost 7-20 µs, so bytes are drawn 4 KB at a time.
 */
export const nodeRandom: RandomSource = (byteCount) => {
  if (byteCount > RANDOM_BATCH) return new Uint8Array(randomBytes(byteCount));
  if (randomOffset + byteCount > randomBatch.length) {
    randomBatch = new Uint8Array(randomBytes(RANDOM_BATCH));
    randomOffset = 0;
  }
  const bytes = randomBatch.slice(randomOffset, randomOffset + byteCount);
  // Spent bytes are wiped, so no later reader of the batch sees them.
  randomBatch.fill(0, randomOffset, randomOffset + byteCount);
  randomOffset += byteCount;
  return bytes;
};

/** Options of generateCluster with Node's defaults filled in: native keys, the OS's random, the clock. */
export type NodeGenerateOptions = Partial<GenerateOptions>;

/** generateCluster with secure defaults for Node: `await generateCluster(specText)` just works. */
export function generateCluster(
  spec: ClusterSpecInput | string,
  options: NodeGenerateOptions = {},
): Promise<GeneratedCluster> {
  return generateWith(spec, {
    now: new Date(),
    random: nodeRandom,
    keys: nodeKeyCapability(),
    sha256: nativeSha256,
    ...options,
  });
}

export type { GeneratedCluster, GenerateOptions, ClusterState, NodeOutput } from "@kubescratch/core";

const flush = (last: boolean) => (last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH);

/** Node's native zlib: DEFLATE and CRC-32 (zlib's own, with its SIMD paths). */
export const nodeDeflater: Deflater = {
  deflateRaw: (data, last, level) =>
    new Uint8Array(deflateRawSync(data, { level, finishFlush: flush(last) })),
  crc32: (data) => crc32(data),
};

/**
 * Bundle options for Node: native zlib and SHA-256, several times faster than the pure-JS defaults
 * (UTF-8 is the platform's TextEncoder everywhere, as fast as Node's Buffer). The bundles are byte-identical run to run; use the same options for every bundle you
 * compare (the CLI does, for generate and the site's downloads).
 */
export const nodeBundleOptions: BundleOptions = {
  deflater: nodeDeflater,
  sha256: nativeSha256,
};

/** How many archive runs bundleClusterNative compresses at once (libuv's pool has 4 threads by default). */
const DEFLATE_IN_FLIGHT = 4;

function deflateOnPool(run: Uint8Array, last: boolean): Promise<DeflatedPart> {
  return new Promise<DeflatedPart>((resolve, reject) => {
    // One output chunk for the whole run: with the default 16 KB each chunk goes back to this
    // thread, which is busy packing the next bundle, and the pool thread waits for it. The bytes are
    // the same for every chunk size (a test compares them with the synchronous deflater's).
    const chunkSize = Math.max(16 * 1024, run.length + (run.length >> 6) + 1024);
    deflateRaw(run, { level: BUNDLE_LEVEL, finishFlush: flush(last), chunkSize }, (error, result) =>
      error
        ? reject(error)
        : resolve({ deflated: new Uint8Array(result), crc32: crc32(run), length: run.length }),
    );
  });
}

/** Compresses a packed bundle's runs on libuv's thread pool; the bytes of finishBundle with nodeBundleOptions. */
export async function finishBundleOnPool(packed: PackedBundle): Promise<Bundle> {
  const parts = await Promise.all(
    packed.parts.map((part, index) =>
      part instanceof Uint8Array ? deflateOnPool(part, index === packed.parts.length - 1) : part,
    ),
  );
  return { fileName: packed.fileName, fileCount: packed.fileCount, bytes: gzipFromParts(parts) };
}

/**
 * Every bundle of the cluster with nodeBundleOptions, handed to `each` as soon as it is compressed
 * and then dropped, in node order, the admin's last: while the pool compresses one node's archive,
 * this thread encodes, hashes and packs the next ones. At most DEFLATE_IN_FLIGHT bundles are held.
 */
export async function forEachBundleNative(
  cluster: GeneratedCluster,
  each: (bundle: Bundle) => void | Promise<void>,
): Promise<void> {
  const pending: Promise<Bundle>[] = [];
  const drain = async (): Promise<void> => {
    const next = pending.shift();
    if (next !== undefined) await each(await next);
  };
  for (const node of cluster.nodes) {
    if (pending.length >= DEFLATE_IN_FLIGHT) await drain();
    pending.push(finishBundleOnPool(packNode(cluster, node, nodeBundleOptions)));
  }
  pending.push(finishBundleOnPool(packAdmin(cluster, nodeBundleOptions)));
  while (pending.length > 0) await drain();
}

/** bundleCluster with nodeBundleOptions, the same bytes, compressed on libuv's thread pool. */
export async function bundleClusterNative(
  cluster: GeneratedCluster,
): Promise<{ nodes: Bundle[]; admin: Bundle }> {
  const bundles: Bundle[] = [];
  await forEachBundleNative(cluster, (bundle) => {
    bundles.push(bundle);
  });
  const admin = bundles.pop();
  if (admin === undefined) throw new Error("unreachable: no admin bundle");
  return { nodes: bundles, admin };
}
