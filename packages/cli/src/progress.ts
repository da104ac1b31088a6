// Progress of long work on stderr, never stdout (so --json output stays one document).
//   tty:   one line, redrawn in place (done/total, elapsed, estimate) and erased when the work ends;
//   plain: whole lines, for logs: one per 10 % done or per 5 seconds, whichever comes first; in
//          "auto" mode only once the work has run 2 seconds, so quick runs print nothing;
//   none:  nothing.
// "auto" (the default) is tty when stderr is a terminal and plain otherwise, as `docker build
// --progress` does.
import { UsageError } from "./exit-codes.js";

export type ProgressMode = "auto" | "tty" | "plain" | "none";
export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "tty", "plain", "none"];

export interface Progress {
  /** `done` of `total` units of `phase` (e.g. "keys", "bundles") are finished. */
  readonly update: (phase: string, done: number, total: number) => void;
  /** Prints whole lines (e.g. a warning) without tearing the progress line. */
  readonly log: (text: string) => void;
  /** The work is over: erases the line (tty) or says how long it took (plain, if it said anything). */
  readonly end: () => void;
}

export interface ProgressOptions {
  readonly mode: ProgressMode;
  /** Writes to stderr. */
  readonly write: (text: string) => void;
  readonly stderrIsTerminal: boolean;
  /** Milliseconds; injected so tests can drive the clock. */
  readonly clock?: () => number;
  /** Prefix of plain lines, e.g. "kubescratch generate". */
  readonly label: string;
}

/** Plain mode on its own (auto, not a terminal) stays silent this long: quick runs print nothing. */
const PLAIN_QUIET_MS = 2000;
/** Plain mode prints at least this often while it prints. */
const PLAIN_EVERY_MS = 5000;
/** ... and whenever another tenth of the phase is done. */
const PLAIN_STEPS = 10;
/** The tty line is redrawn at most this often (and always when a phase starts or ends). */
const TTY_EVERY_MS = 100;
/** Back to the start of the line, erase it (ECMA-48 CR and EL). */
const ERASE_LINE = "\r\u001b[2K";

/** 7s, 2m05s, 1h02m. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** "keys 12/40 (30%), 3s elapsed, about 7s left": the estimate assumes the phase's pace holds. */
export function progressText(
  phase: string,
  done: number,
  total: number,
  elapsedMs: number,
  phaseElapsedMs: number,
): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  const left =
    done > 0 && done < total
      ? `, about ${formatDuration((phaseElapsedMs / done) * (total - done))} left`
      : "";
  return `${phase} ${done}/${total} (${percent}%), ${formatDuration(elapsedMs)} elapsed${left}`;
}

const silent: Progress = { update: () => undefined, log: () => undefined, end: () => undefined };

export function createProgress(options: ProgressOptions): Progress {
  const { write, label } = options;
  const clock = options.clock ?? Date.now;
  const mode = options.mode === "auto" ? (options.stderrIsTerminal ? "tty" : "plain") : options.mode;
  if (mode === "none") return { ...silent, log: write };
  const quietMs = options.mode === "auto" ? PLAIN_QUIET_MS : 0;
  const start = clock();
  let phase = "";
  let phaseStart = start;
  /** A phase begins when the previous one last moved (its first update comes after its first unit). */
  let lastUpdate = start;
  let lastDrawn = -Infinity;
  let lastStep = -1;
  let line = "";
  let printedPlain = false;

  const startPhase = (name: string): void => {
    if (name === phase) return;
    phase = name;
    phaseStart = lastUpdate;
    lastStep = -1;
    lastDrawn = -Infinity;
  };

  if (mode === "tty") {
    return {
      update: (name, done, total) => {
        const now = clock();
        startPhase(name);
        lastUpdate = now;
        if (now - lastDrawn < TTY_EVERY_MS && done !== total && done !== 0) return;
        lastDrawn = now;
        line = progressText(name, done, total, now - start, now - phaseStart);
        write(`${ERASE_LINE}${line}`);
      },
      log: (text) => write(line === "" ? text : `${ERASE_LINE}${text}${line}`),
      end: () => {
        if (line !== "") write(ERASE_LINE);
        line = "";
      },
    };
  }
  return {
    update: (name, done, total) => {
      const now = clock();
      startPhase(name);
      lastUpdate = now;
      if (now - start < quietMs) return;
      const step = total === 0 ? 0 : Math.floor((done * PLAIN_STEPS) / total);
      const finished = done === total;
      if (step === lastStep && now - lastDrawn < PLAIN_EVERY_MS && !finished) return;
      if (finished && lastStep === Number.POSITIVE_INFINITY) return;
      lastStep = finished ? Number.POSITIVE_INFINITY : step;
      lastDrawn = now;
      printedPlain = true;
      write(`${label}: ${progressText(name, done, total, now - start, now - phaseStart)}\n`);
    },
    log: write,
    end: () => {
      if (printedPlain) write(`${label}: done in ${formatDuration(clock() - start)}\n`);
    },
  };
}

/** The --progress flag's value (default auto); anything else is a usage error. */
export function parseProgressMode(value: string | undefined): ProgressMode {
  if (value === undefined) return "auto";
  const mode = PROGRESS_MODES.find((candidate) => candidate === value);
  if (mode === undefined)
    throw new UsageError(`unknown --progress "${value}": use ${PROGRESS_MODES.join(", ")}`);
  return mode;
}
