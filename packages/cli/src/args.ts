import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./exit-codes.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with strict checking; its errors become usage errors (exit 2). */
export function parseCommandArgs<T extends Options>(
  args: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (caught) {
    throw new UsageError(caught instanceof Error ? caught.message : String(caught));
  }
}
