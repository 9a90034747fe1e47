/** The three ways Chatwoot writes a time: ActiveSupport ISO-8601 with milliseconds, unix seconds, unix float. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** `2026-08-22T10:00:00.123Z`, what `created_at.as_json` gives in a UTC Rails app. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}

/** `created_at.to_i`; `nil.to_i` is 0, which is what the views write for an unset time. */
export function unixTime(ms: number | null): number {
  return ms === null ? 0 : Math.floor(ms / 1000);
}

/** `updated_at.to_f`. */
export function unixFloat(ms: number): number {
  return ms / 1000;
}
