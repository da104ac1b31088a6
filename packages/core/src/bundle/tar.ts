// A deterministic tar.gz: POSIX ustar entries in the order given (callers sort them), uid/gid 0, no
// user or group names, one fixed mtime, and a gzip header without a timestamp. The archive is built
// in memory as plain bytes so the pure core (and a browser) can produce exactly what the CLI writes.
//
// The archive is compressed in parts: the node's own entries, then, on their own and last, the
// entries that are the same in every node's bundle (the routed cluster's pod-routes table, which
// grows with the cluster) with the end blocks. Each part is raw DEFLATE from a fresh compressor; all
// but the last end on a byte boundary (a sync flush), so the parts concatenate into one DEFLATE
// stream, and the shared tail is compressed once and spliced into every bundle. The result is one
// ordinary gzip member (any gunzip reads it), and the CRC-32 of the whole is combined from the
// parts' CRCs without reading them again.
//
// pako (a JavaScript port of zlib) is the default compressor because it is pure JavaScript: Node's
// zlib is not available to the core, and one pinned implementation keeps the compressed bytes the same
// on every platform. (fflate 0.8.3, used before, writes broken DEFLATE on a sync flush at some sizes.)
import { Deflate, Z_FINISH, Z_SYNC_FLUSH } from "pako";
import { utf8Encode } from "../bytes.js";

export interface TarEntry {
  /** Relative path inside the archive, "/" separated, no leading "/". */
  readonly path: string;
  readonly mode: number;
  readonly content: Uint8Array;
}

/** A compressor for the parts of an archive. Same input, same bytes: bundles must be reproducible. */
export interface Deflater {
  /**
   * Raw DEFLATE (RFC 1951) of `data` from a fresh compressor, ending on a byte boundary; the last
   * block is marked final only when `last` (a sync flush otherwise, so more parts can follow).
   * `level` is zlib's, 1 (fastest) to 9 (smallest).
   */
  deflateRaw(data: Uint8Array, last: boolean, level: number): Uint8Array;
  /** The CRC-32 (ISO-HDLC, as gzip uses) of `data`. */
  crc32(data: Uint8Array): number;
}

/** A compressed part of an archive, ready to be spliced. */
export interface DeflatedPart {
  readonly deflated: Uint8Array;
  /** CRC-32 and length of the uncompressed bytes. */
  readonly crc32: number;
  readonly length: number;
}

const BLOCK = 512;
/** zlib's default level, for tarGz. */
const DEFAULT_LEVEL = 6;

/** Writes text into a header field; ASCII (nearly every path) byte by byte, the rest as UTF-8. */
function writeString(header: Uint8Array, offset: number, length: number, text: string): void {
  if (text.length <= length) {
    let index = 0;
    for (; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      if (code > 0x7f) break;
      header[offset + index] = code;
    }
    if (index === text.length) return;
  }
  const bytes = utf8Encode(text);
  if (bytes.length > length) throw new Error(`bug: tar field too long: ${text}`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0"));
}

function byteLength(text: string): number {
  for (let index = 0; index < text.length; index += 1)
    if (text.charCodeAt(index) > 0x7f) return utf8Encode(text).length;
  return text.length;
}

/** ustar splits a long path into a prefix (<=155 bytes) and a name (<=100 bytes) at a "/". */
function splitPath(path: string): { prefix: string; name: string } {
  if (byteLength(path) <= 100) return { prefix: "", name: path };
  for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (byteLength(prefix) <= 155 && byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`path too long for a tar archive: ${path}`);
}

/** Writes the entry's ustar header into `block` (512 zero bytes). */
function writeHeader(block: Uint8Array, entry: TarEntry, mtimeSeconds: number): void {
  const { prefix, name } = splitPath(entry.path);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, entry.content.length);
  writeOctal(block, 136, 12, mtimeSeconds);
  block.fill(0x20, 148, 156);
  block[156] = 0x30; // "0": a regular file
  writeString(block, 257, 6, "ustar");
  writeString(block, 263, 2, "00");
  writeString(block, 345, 155, prefix);
  let checksum = 0;
  for (let index = 0; index < BLOCK; index += 1) checksum += block[index] ?? 0;
  writeString(block, 148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
}

function entrySize(entry: TarEntry): number {
  return BLOCK + Math.ceil(entry.content.length / BLOCK) * BLOCK;
}

/** The entries as one run of tar bytes (headers, contents, padding), with the end blocks if asked. */
function tarRun(entries: readonly TarEntry[], mtimeSeconds: number, end: boolean): Uint8Array {
  let size = end ? BLOCK * 2 : 0;
  for (const entry of entries) size += entrySize(entry);
  const archive = new Uint8Array(size);
  let offset = 0;
  for (const entry of entries) {
    writeHeader(archive.subarray(offset, offset + BLOCK), entry, mtimeSeconds);
    archive.set(entry.content, offset + BLOCK);
    offset += entrySize(entry);
  }
  return archive;
}

/** The tar archive (uncompressed) of the entries, in their order. */
export function tar(entries: readonly TarEntry[], mtimeSeconds: number): Uint8Array {
  return tarRun(entries, mtimeSeconds, true);
}

/** pako's DEFLATE and a table CRC-32: pure JavaScript, the same bytes everywhere. */
export const pakoDeflater: Deflater = {
  deflateRaw(data, last, level) {
    const deflate = new Deflate({ level: level as 1, raw: true });
    deflate.push(data, last ? Z_FINISH : Z_SYNC_FLUSH);
    if (deflate.err !== 0) throw new Error(`bug: DEFLATE failed: ${deflate.msg}`);
    // pako gathers the output in `result` only when the stream ends; a flush leaves it in `chunks`.
    return last ? deflate.result : concat(deflate.chunks);
  },
  crc32: crc32Table,
};

let crcTable: Uint32Array | undefined;

function crc32Table(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? CRC_POLYNOMIAL ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// CRC-32 of a concatenation from the CRCs of its parts (zlib's crc32_combine): the CRC of A||B is
// the CRC of A shifted by |B| bytes (a multiplication by x^(8|B|) modulo the CRC polynomial) xor the
// CRC of B. Polynomials are bit-reflected, as the CRC itself.
const CRC_POLYNOMIAL = 0xedb88320;

/** a × b modulo the CRC polynomial. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if ((a & m) !== 0) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ CRC_POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0..31. */
const X_POWERS = (() => {
  const table = new Uint32Array(32);
  let p = 0x40000000; // x^1
  table[0] = p;
  for (let k = 1; k < 32; k += 1) table[k] = p = multiplyModP(p, p);
  return table;
})();

/** x^(8 × byteCount) modulo the polynomial. */
function shiftForBytes(byteCount: number): number {
  let p = 0x80000000; // x^0
  let k = 3;
  for (let n = byteCount; n > 0; n = Math.floor(n / 2), k += 1)
    if (n % 2 === 1) p = multiplyModP(X_POWERS[k & 31] ?? 0, p);
  return p;
}

/** The CRC-32 of A||B from the CRC of A, the CRC of B and the length of B. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(shiftForBytes(lengthB), crcA) ^ crcB) >>> 0;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

export function deflatePart(raw: Uint8Array, last: boolean, deflater: Deflater, level: number): DeflatedPart {
  return { deflated: deflater.deflateRaw(raw, last, level), crc32: deflater.crc32(raw), length: raw.length };
}

// gzip (RFC 1952): magic, DEFLATE, no flags, MTIME 0, no extra flags, OS 3 (Unix), as Node writes it.
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3);

/** One gzip member from parts whose DEFLATE streams concatenate (the last one final). */
export function gzipFromParts(parts: readonly DeflatedPart[]): Uint8Array {
  let crc = 0;
  let length = 0;
  let size = GZIP_HEADER.length + 8;
  for (const part of parts) {
    crc = length === 0 ? part.crc32 : crc32Combine(crc, part.crc32, part.length);
    length += part.length;
    size += part.deflated.length;
  }
  const out = new Uint8Array(size);
  out.set(GZIP_HEADER, 0);
  let offset = GZIP_HEADER.length;
  for (const part of parts) {
    out.set(part.deflated, offset);
    offset += part.deflated.length;
  }
  const trailer = new DataView(out.buffer, offset, 8);
  trailer.setUint32(0, crc, true);
  trailer.setUint32(4, length % 2 ** 32, true);
  return out;
}

/**
 * The archive of `entries` followed by `tail` (entries that are the same in many archives), as the
 * runs to compress: the entries as one run, then the tail with the end blocks as one part that
 * `tailPart` compresses (final) or takes from its cache. Without a tail, one run with the end blocks.
 * Runs are returned uncompressed, for the caller to compress (the CLI does it on other threads).
 */
export function tarParts(
  entries: readonly TarEntry[],
  tail: readonly TarEntry[],
  mtimeSeconds: number,
  tailPart: (raw: () => Uint8Array) => DeflatedPart,
): (Uint8Array | DeflatedPart)[] {
  if (tail.length === 0) return [tarRun(entries, mtimeSeconds, true)];
  return [tarRun(entries, mtimeSeconds, false), tailPart(() => tarRun(tail, mtimeSeconds, true))];
}

/** Compresses the runs of tarParts at `level` and splices them into one gzip member. */
export function gzipParts(
  parts: readonly (Uint8Array | DeflatedPart)[],
  deflater: Deflater,
  level: number,
): Uint8Array {
  return gzipFromParts(
    parts.map((part, index) =>
      part instanceof Uint8Array ? deflatePart(part, index === parts.length - 1, deflater, level) : part,
    ),
  );
}

/** tar.gz of the entries in one run, with a fixed gzip header (MTIME 0): equal inputs, equal bytes. */
export function tarGz(
  entries: readonly TarEntry[],
  mtimeSeconds: number,
  deflater: Deflater = pakoDeflater,
  level = DEFAULT_LEVEL,
): Uint8Array {
  return gzipParts([tar(entries, mtimeSeconds)], deflater, level);
}
