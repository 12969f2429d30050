/**
 * Timestamps as ISO-8601 strings and back, memoised: seeding 100,000 contacts formats and parses
 * the same instants (whole days, an activity's time) several times over, in the world generator and
 * again in each simulator's state, and `Date#toISOString` is slow enough to show in the start time.
 * Both caches are bounded; a full cache is emptied and refilled.
 */
const MAX = 250_000;
const formatted = new Map<number, string>();
const parsed = new Map<string, number>();

/** `new Date(ms).toISOString()`. */
export function isoTime(ms: number): string {
  let s = formatted.get(ms);
  if (s === undefined) {
    s = new Date(ms).toISOString();
    if (formatted.size >= MAX) formatted.clear();
    formatted.set(ms, s);
  }
  return s;
}

/** `Date.parse(iso)`. */
export function parseIsoTime(iso: string): number {
  let ms = parsed.get(iso);
  if (ms === undefined) {
    ms = Date.parse(iso);
    if (parsed.size >= MAX) parsed.clear();
    parsed.set(iso, ms);
  }
  return ms;
}
