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
import { gzip, gzipSync } from "node:zlib";
import {
  bundleAdmin,
  bundleNode,
  generateCluster as generateWith,
  type Bundle,
  type GenerateOptions,
  type GeneratedCluster,
  type KeyAlgorithm,
  type KeyCapability,
  type BundleOptions,
  type RandomSource,
} from "@kubescratch/core";

/** Parsed keys kept for signing: CA keys sign every leaf, and parsing a PEM costs about 0.3 ms. */
const KEY_CACHE_SIZE = 64;

const PRIVATE_KEY = { type: "pkcs8", format: "pem" } as const;
// Node returns both halves; the public one is asked for as DER, the cheapest export.
const PUBLIC_KEY = { type: "spki", format: "der" } as const;

function generatePem(algorithm: KeyAlgorithm): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const done = (error: Error | null, _publicKey: unknown, privateKey: string): void =>
      error ? reject(error) : resolve(privateKey);
    const encodings = { publicKeyEncoding: PUBLIC_KEY, privateKeyEncoding: PRIVATE_KEY };
    switch (algorithm) {
      case "rsa-2048":
      case "rsa-3072":
      case "rsa-4096":
        generateKeyPair(
          "rsa",
          { modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001, ...encodings },
          done,
        );
        return;
      case "ecdsa-p256":
      case "ecdsa-p384":
        generateKeyPair(
          "ec",
          { namedCurve: algorithm === "ecdsa-p256" ? "prime256v1" : "secp384r1", ...encodings },
          done,
        );
        return;
    }
  });
}

/**
 * Node's native crypto (OpenSSL): asynchronous key generation on libuv's thread pool, so the keys
 * the core requests together are made on every core; PKCS#1 v1.5 and ECDSA signatures.
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
  return {
    generateKeyPair: generatePem,
    sign(privateKeyPem, digest, data) {
      return new Uint8Array(sign(digest, data, keyObject(privateKeyPem)));
    },
  };
}

/** The operating system's CSPRNG. */
export const nodeRandom: RandomSource = (byteCount) => new Uint8Array(randomBytes(byteCount));

/** Options of generateCluster with Node's defaults filled in: native keys, the OS's random, the clock. */
export type NodeGenerateOptions = Partial<GenerateOptions>;

/** generateCluster with secure defaults for Node: `await generateCluster(specText)` just works. */
export function generateCluster(spec: unknown, options: NodeGenerateOptions = {}): Promise<GeneratedCluster> {
  return generateWith(spec, { now: new Date(), random: nodeRandom, keys: nodeKeyCapability(), ...options });
}

export type { GeneratedCluster, GenerateOptions, ClusterState, NodeOutput } from "@kubescratch/core";

/**
 * Bundle options for Node: native zlib, about twice as fast as the pure-JS default. Node's gzip
 * header carries no timestamp, so bundles stay byte-identical run to run; use the same options for
 * every bundle you compare (the CLI does, for generate and the site's downloads).
 */
export const nodeBundleOptions: BundleOptions = {
  gzip: (archive) => new Uint8Array(gzipSync(archive, { level: 6 })),
  sha256: (bytes) => createHash("sha256").update(bytes).digest("hex"),
  utf8: (text) => {
    const bytes = Buffer.from(text, "utf8");
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  },
};

/** How many archives bundleClusterNative compresses at once (libuv's pool has 4 threads by default). */
const GZIP_IN_FLIGHT = 4;

function gzipOnPool(archive: Uint8Array): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    // One output chunk for the whole archive: with the default 16 KB each chunk goes back to this
    // thread, which is busy packing the next bundle, and the pool thread waits for it. The bytes are
    // the same for every chunk size (the test compares them with gzipSync's).
    const chunkSize = Math.max(16 * 1024, archive.length + (archive.length >> 6) + 1024);
    gzip(archive, { level: 6, chunkSize }, (error, result) =>
      error ? reject(error) : resolve(new Uint8Array(result)),
    );
  });
}

/**
 * bundleCluster with nodeBundleOptions, the same bytes, but compressed on libuv's thread pool: while
 * the pool compresses one node's archive, this thread encodes, hashes and packs the next ones. At
 * most GZIP_IN_FLIGHT uncompressed archives are held at once.
 */
export async function bundleClusterNative(
  cluster: GeneratedCluster,
): Promise<{ nodes: Bundle[]; admin: Bundle }> {
  const uncompressed: BundleOptions = { ...nodeBundleOptions, gzip: (archive) => archive };
  const compress = (bundle: Bundle): Promise<Bundle> =>
    gzipOnPool(bundle.bytes).then((bytes) => ({ ...bundle, bytes }));
  const nodes: Promise<Bundle>[] = [];
  for (const node of cluster.nodes) {
    const waitFor = nodes[nodes.length - GZIP_IN_FLIGHT];
    if (waitFor !== undefined) await waitFor;
    nodes.push(compress(bundleNode(cluster, node, uncompressed)));
  }
  const admin = compress(bundleAdmin(cluster, uncompressed));
  return { nodes: await Promise.all(nodes), admin: await admin };
}
