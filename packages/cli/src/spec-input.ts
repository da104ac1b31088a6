import { dirname, resolve } from "node:path";
import {
  formatIssue,
  parseSpecText,
  positionIssues,
  positionOf,
  readProvidedCa,
  SpecError,
  type ValidatedSpec,
} from "@kubescratch/core";
import { CommandFailure } from "./exit-codes.js";
import { NotUtf8Error, type Io } from "./io.js";

export interface SpecInput {
  readonly spec: ValidatedSpec;
  readonly fileName: string;
  /** The spec's text, to place problems found later (against the state) at their line. */
  readonly text: string;
  /** Contents of the files the spec names (security.ca.certificateFile / keyFile), by their spec path. */
  readonly files: Readonly<Record<string, string>>;
}

function reason(caught: unknown): string {
  const code = (caught as { code?: string }).code;
  return code === "ENOENT"
    ? "no such file"
    : code === "EISDIR"
      ? "it is a directory"
      : String(code ?? caught);
}

function notUtf8(caught: NotUtf8Error, fileName: string): SpecError {
  return new SpecError(
    [
      {
        severity: "error",
        pointer: "",
        message: `the file is not UTF-8 text: ${caught.message}.`,
        fix: "Save the spec as UTF-8 (editors offer it when saving).",
        ...positionOf(caught.text, caught.characterOffset),
      },
    ],
    [],
    fileName,
  );
}

/** A SpecError's problems, then its warnings, one line each on stderr. */
export function printSpecError(io: Io, error: SpecError): void {
  for (const issue of error.issues) io.err(`${formatIssue(issue, error.fileName)}\n`);
  for (const warning of error.warnings) io.err(`${formatIssue(warning, error.fileName)}\n`);
}

/** A problem found after reading (e.g. against the state), placed in the spec's file. */
export function inSpecFile(caught: unknown, input: SpecInput): unknown {
  if (!(caught instanceof SpecError) || caught.fileName !== undefined) return caught;
  return new SpecError(positionIssues(input.text, caught.issues), caught.warnings, input.fileName);
}

/**
 * Reads a spec file ("-" is standard input), validates it, reads the CA files it names (relative to
 * the spec's directory) and checks a provided CA against the clock. SpecError propagates.
 */
export function readSpec(io: Io, path: string): SpecInput {
  const fileName = path === "-" ? "<stdin>" : path;
  let text: string;
  try {
    text = path === "-" ? io.readStdin() : io.readText(path);
  } catch (caught) {
    if (caught instanceof NotUtf8Error) throw notUtf8(caught, fileName);
    throw new CommandFailure(`cannot read ${fileName}: ${reason(caught)}`);
  }
  const format = path.endsWith(".json") ? "json" : "yaml";
  const spec = parseSpecText(text, { format, fileName });
  const base = path === "-" ? io.cwd() : dirname(resolve(io.cwd(), path));
  const files: Record<string, string> = {};
  const ca = spec.spec.security.ca;
  for (const [field, file] of [
    ["certificateFile", ca?.certificateFile],
    ["keyFile", ca?.keyFile],
  ] as const) {
    if (file === undefined) continue;
    const location = resolve(base, file);
    try {
      files[file] = io.readText(location);
    } catch (caught) {
      const issue = {
        severity: "error",
        pointer: `/security/ca/${field}`,
        message: `cannot read "${file}" (${location}): ${reason(caught)}.`,
        fix: "Check the path; it is relative to the directory of the spec file.",
      } as const;
      throw new SpecError(positionIssues(text, [issue]), [], fileName);
    }
  }
  try {
    readProvidedCa(spec.spec, io.now(), files);
  } catch (caught) {
    if (caught instanceof SpecError) throw new SpecError(positionIssues(text, caught.issues), [], fileName);
    throw caught;
  }
  return { spec, fileName, text, files };
}
