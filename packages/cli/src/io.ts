import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { isUtf8 } from "node:buffer";
import { rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A file of an output directory: its path relative to the directory, bytes or text, and mode. */
export interface OutputFile {
  readonly path: string;
  readonly content: Uint8Array | string;
  readonly mode: number;
}

/** A text file that is not UTF-8: where its first bad byte is, in the text decoded with U+FFFD. */
export class NotUtf8Error extends Error {
  constructor(
    readonly text: string,
    readonly characterOffset: number,
    readonly byte: number,
  ) {
    super(`byte 0x${byte.toString(16).padStart(2, "0")} is not UTF-8`);
    this.name = "NotUtf8Error";
  }
}

/** Decodes UTF-8, refusing bytes that are not (a lossy decode would put U+FFFD into generated files). */
export function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  if (isUtf8(bytes)) return text;
  // A valid prefix decodes and encodes back to the same bytes: the first byte that differs is bad.
  const again = Buffer.from(text, "utf8");
  let index = 0;
  while (index < bytes.length && bytes[index] === again[index]) index += 1;
  throw new NotUtf8Error(text, bytes.subarray(0, index).toString("utf8").length, bytes[index] ?? 0);
}

/** Everything the commands touch outside the process, in one place so tests can see it. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readText: (path: string) => string;
  readonly readStdin: () => string;
  readonly exists: (path: string) => boolean;
  readonly isDirectory: (path: string) => boolean;
  /** Writes a whole file or nothing: a temporary file in the same directory, then a rename. */
  readonly writeTextAtomic: (path: string, text: string, mode?: number) => void;
  readonly cwd: () => string;
  /** The clock: certificate validity starts from it and expiry is judged against it. */
  readonly now: () => Date;
  /**
   * Puts files in `directory` all together, as they come (so they need not be held together): a
   * temporary folder beside `directory` takes them; commit() then moves each top-level entry in,
   * replacing its old copy. On a failure before the commit, nothing changes; other files in
   * `directory` are never touched.
   */
  readonly stageDirectory: (directory: string) => Staging;
  /** Whether standard error is a terminal (for progress output). */
  readonly stderrIsTerminal: boolean;
}

export interface Staging {
  /**
   * Writes a file into the staging folder. Resolves as soon as few enough writes are still going
   * (the caller prepares the next file meanwhile, and files waiting for the disk stay few); rejects
   * with the first failed write.
   */
  readonly write: (file: OutputFile) => Promise<void>;
  /** Waits for every write, then moves each staged top-level entry in, replacing its old copy. */
  readonly commit: () => Promise<void>;
  /** Waits for the writes still going, then removes the staging folder (and the replaced copies). Always call it. */
  readonly dispose: () => Promise<void>;
}

/** Writes going at once: enough to keep libuv's threads busy, few enough to bound the memory held. */
const WRITES_IN_FLIGHT = 16;

function stageDirectory(directory: string): Staging {
  const parent = dirname(directory);
  mkdirSync(parent, { recursive: true });
  const scratch = mkdtempSync(join(parent, `.${basename(directory)}.new-`));
  const staged = join(scratch, "staged");
  const folders = new Set<string>();
  const entries = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failed: { readonly error: unknown } | undefined;
  const throwIfFailed = (): void => {
    if (failed !== undefined) throw failed.error;
  };
  return {
    write: async (file) => {
      throwIfFailed();
      const target = join(staged, file.path);
      const folder = dirname(target);
      if (!folders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        folders.add(folder);
      }
      entries.add(file.path.split("/")[0] as string);
      const job: Promise<void> = writeFile(target, file.content, { mode: file.mode })
        .catch((error: unknown) => {
          failed ??= { error };
        })
        .finally(() => inFlight.delete(job));
      inFlight.add(job);
      while (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
      throwIfFailed();
    },
    commit: async () => {
      await Promise.all(inFlight);
      throwIfFailed();
      const aside = join(scratch, ".old");
      mkdirSync(directory, { recursive: true });
      mkdirSync(aside);
      for (const entry of entries) {
        if (existsSync(join(directory, entry))) renameSync(join(directory, entry), join(aside, entry));
        renameSync(join(staged, entry), join(directory, entry));
      }
    },
    dispose: async () => {
      await Promise.all(inFlight);
      // Asynchronous: the pool's threads unlink the replaced tree's files side by side.
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export function nodeIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readText: (path) => decodeUtf8(readFileSync(path)),
    readStdin: () => decodeUtf8(readFileSync(0)),
    exists: (path) => existsSync(path),
    isDirectory: (path) => existsSync(path) && statSync(path).isDirectory(),
    writeTextAtomic: (path, text, mode = 0o644) => {
      const scratch = mkdtempSync(join(dirname(path), `.${basename(path)}.`));
      try {
        const temporary = join(scratch, basename(path));
        writeFileSync(temporary, text, { mode });
        renameSync(temporary, path);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    cwd: () => process.cwd(),
    now: () => new Date(),
    stageDirectory,
    stderrIsTerminal: process.stderr.isTTY === true,
  };
}
