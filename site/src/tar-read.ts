// Reads a bundle back: gunzip, then the ustar entries the core's writer makes (regular files, an
// optional path prefix). The site shows the files from the tarball itself, so a reviewer reads
// exactly the bytes that will be applied, including install.sh, MANIFEST.json and SHA256SUMS.
import { ungzip } from "pako";

// TextDecoder is a global of every browser and of Node; the site compiles with the types of neither.
declare const TextDecoder: new () => { decode(bytes: Uint8Array): string };

const utf8 = new TextDecoder();

/** UTF-8 text of bytes (a stray byte becomes U+FFFD, as a browser shows it). */
export function textOf(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

export interface BundleFile {
  /** Relative path inside the bundle ("etc/kubernetes/..."). */
  readonly path: string;
  readonly mode: number;
  readonly bytes: Uint8Array;
}

const BLOCK = 512;

function field(block: Uint8Array, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return textOf(end === -1 ? slice : slice.subarray(0, end));
}

function octalField(block: Uint8Array, offset: number, length: number): number {
  const text = field(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * The files of a tar.gz, in archive order. Throws on anything but regular files and directories.
 * `gunzip` may be a faster one (e.g. Node's zlib); the default is pako's.
 */
export function readTarGz(
  bytes: Uint8Array,
  gunzip: (bytes: Uint8Array) => Uint8Array = ungzip,
): BundleFile[] {
  const archive = gunzip(bytes);
  const files: BundleFile[] = [];
  for (let offset = 0; offset + BLOCK <= archive.length;) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const size = octalField(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0x30);
    offset += BLOCK;
    if (type === "0" || type === "\0") {
      files.push({
        path: prefix === "" ? name : `${prefix}/${name}`,
        mode: octalField(header, 100, 8),
        // A view, not a copy: the archive stays as long as any of its files does.
        bytes: archive.subarray(offset, offset + size),
      });
    } else if (type !== "5") {
      throw new Error(`unsupported tar entry type ${JSON.stringify(type)} for ${name}`);
    }
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
