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
      const suggestion = closestName(unknown, flags);
      throw new UsageError(`unknown option ${unknown}${suggestion ? `; did you mean ${suggestion}?` : ""}`);
    }
    throw new UsageError(message);
  }
}
