import { parseSpecText, type ValidatedSpec } from "@kubescratch/core";
import { CommandFailure } from "./exit-codes.js";
import type { Io } from "./io.js";

/** Reads a spec file ("-" is standard input) and validates it; SpecError propagates. */
export function readSpec(io: Io, path: string): { spec: ValidatedSpec; fileName: string } {
  const fileName = path === "-" ? "<stdin>" : path;
  let text: string;
  try {
    text = path === "-" ? io.readStdin() : io.readText(path);
  } catch (caught) {
    const code = (caught as { code?: string }).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String(code ?? caught);
    throw new CommandFailure(`cannot read ${fileName}: ${reason}`);
  }
  const format = path.endsWith(".json") ? "json" : "yaml";
  return { spec: parseSpecText(text, { format, fileName }), fileName };
}
