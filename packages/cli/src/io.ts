import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Everything the commands touch outside the process, in one place so tests can see it. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readText: (path: string) => string;
  readonly readStdin: () => string;
  readonly exists: (path: string) => boolean;
  /** Writes a whole file or nothing: a temporary file in the same directory, then a rename. */
  readonly writeTextAtomic: (path: string, text: string) => void;
  readonly cwd: () => string;
  /** The clock: certificate validity starts from it and expiry is judged against it. */
  readonly now: () => Date;
}

export function nodeIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readText: (path) => readFileSync(path, "utf8"),
    readStdin: () => readFileSync(0, "utf8"),
    exists: (path) => existsSync(path),
    writeTextAtomic: (path, text) => {
      const scratch = mkdtempSync(join(dirname(path), `.${basename(path)}.`));
      try {
        const temporary = join(scratch, basename(path));
        writeFileSync(temporary, text, { mode: 0o644 });
        renameSync(temporary, path);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    cwd: () => process.cwd(),
    now: () => new Date(),
  };
}
