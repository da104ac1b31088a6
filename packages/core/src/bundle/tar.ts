// A deterministic tar.gz: POSIX ustar entries in the order given (callers sort them), uid/gid 0, no
// user or group names, one fixed mtime, and a gzip header without a timestamp. The archive is built
// in memory as plain bytes so the pure core (and a browser) can produce exactly what the CLI writes.
// fflate is the compressor because it is pure JavaScript: Node's zlib is not available to the core,
// and one pinned implementation keeps the compressed bytes the same on every platform.
import { gzipSync } from "fflate";
import { utf8Encode } from "../bytes.js";

export interface TarEntry {
  /** Relative path inside the archive, "/" separated, no leading "/". */
  readonly path: string;
  readonly mode: number;
  readonly content: Uint8Array;
}

const BLOCK = 512;

function writeString(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = utf8Encode(text);
  if (bytes.length > length) throw new Error(`bug: tar field too long: ${text}`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0"));
}

/** ustar splits a long path into a prefix (<=155 bytes) and a name (<=100 bytes) at a "/". */
function splitPath(path: string): { prefix: string; name: string } {
  if (utf8Encode(path).length <= 100) return { prefix: "", name: path };
  for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (utf8Encode(prefix).length <= 155 && utf8Encode(name).length <= 100) return { prefix, name };
  }
  throw new Error(`path too long for a tar archive: ${path}`);
}

function header(entry: TarEntry, mtimeSeconds: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
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
  for (const byte of block) checksum += byte;
  writeString(block, 148, 8, `${checksum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** The tar archive (uncompressed) of the entries, in their order. */
export function tar(entries: readonly TarEntry[], mtimeSeconds: number): Uint8Array {
  let size = BLOCK * 2;
  for (const entry of entries) size += BLOCK + Math.ceil(entry.content.length / BLOCK) * BLOCK;
  const archive = new Uint8Array(size);
  let offset = 0;
  for (const entry of entries) {
    archive.set(header(entry, mtimeSeconds), offset);
    offset += BLOCK;
    archive.set(entry.content, offset);
    offset += Math.ceil(entry.content.length / BLOCK) * BLOCK;
  }
  return archive;
}

/** tar.gz with a fixed gzip header (MTIME 0), so equal inputs give equal bytes. */
export function tarGz(
  entries: readonly TarEntry[],
  mtimeSeconds: number,
  gzip: (archive: Uint8Array) => Uint8Array = (archive) => gzipSync(archive, { level: 6, mtime: 0 }),
): Uint8Array {
  return gzip(tar(entries, mtimeSeconds));
}
