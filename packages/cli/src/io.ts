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
import { basename, dirname, join } from "node:path";

/** A file of an output directory: its path relative to the directory, bytes or text, and mode. */
export interface OutputFile {
  readonly path: string;
  readonly content: Uint8Array | string;
  readonly mode: number;
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
   * Puts `entries` (top-level names under `directory`, each a file or a folder of files) in place
   * all together: everything is written to a temporary folder beside `directory` first, and only then
   * moved in, each entry replacing its old copy. On a failure before the moves, nothing changes;
   * other files in `directory` are never touched.
   */
  readonly replaceInDirectory: (directory: string, files: readonly OutputFile[]) => void;
  /** Whether standard error is a terminal (for progress output). */
  readonly stderrIsTerminal: boolean;
}

export function nodeIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readText: (path) => readFileSync(path, "utf8"),
    readStdin: () => readFileSync(0, "utf8"),
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
    replaceInDirectory: (directory, files) => {
      const parent = dirname(directory);
      mkdirSync(parent, { recursive: true });
      const scratch = mkdtempSync(join(parent, `.${basename(directory)}.new-`));
      const aside = join(scratch, ".old");
      try {
        const staged = join(scratch, "staged");
        for (const file of files) {
          const target = join(staged, file.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, file.content, { mode: file.mode });
        }
        mkdirSync(directory, { recursive: true });
        mkdirSync(aside);
        const entries = [...new Set(files.map((file) => file.path.split("/")[0] as string))];
        for (const entry of entries) {
          if (existsSync(join(directory, entry))) renameSync(join(directory, entry), join(aside, entry));
          renameSync(join(staged, entry), join(directory, entry));
        }
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    stderrIsTerminal: process.stderr.isTTY === true,
  };
}
