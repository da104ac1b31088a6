// Days and dates as certificates count them.
export const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a date, for messages. */
export function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
