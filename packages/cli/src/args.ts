import { parseArgs, type ParseArgsConfig } from "node:util";
import { closest, distance } from "fastest-levenshtein";
import { UsageError } from "./exit-codes.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The name in `names` nearest to a mistyped one, when it is near enough to be the one meant. */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const nearest = closest(typed, [...names]);
  return distance(typed, nearest) <= Math.max(2, Math.floor(typed.length / 3)) ? nearest : undefined;
}

/** parseArgs with strict checking; its errors become usage errors (exit 2), in this CLI's words. */
export function parseCommandArgs<T extends Options>(
  args: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (caught) {
    const message = caught instanceof Error ? caught.message : String(caught);
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown !== undefined) {
      const flags = Object.entries(options).flatMap(([name, option]) => [
        `--${name}`,
        ...(option.short ? [`-${option.short}`] : []),
      ]);
      // A one-letter flag is near every other one: only long options get a suggestion.
      const suggestion = unknown.startsWith("--") ? closestName(unknown, flags) : undefined;
      throw new UsageError(`unknown option ${unknown}${suggestion ? `; did you mean ${suggestion}?` : ""}`);
    }
    // Node's other messages quote its own syntax ("Option '-o, --output <value>' argument missing"):
    // said in this CLI's words instead.
    const missing = /^Option '([^']+?)(?: <value>)?' argument missing/.exec(message)?.[1];
    if (missing !== undefined) throw new UsageError(`${missing} needs a value`);
    const extra = /^Option '([^']+)' does not take an argument/.exec(message)?.[1];
    if (extra !== undefined) throw new UsageError(`${extra} takes no value`);
    throw new UsageError(message);
  }
}
