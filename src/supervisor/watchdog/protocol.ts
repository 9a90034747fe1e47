/**
 * The pipe between the gateway and its child watchdog (main.ts here): one JSON object per line, the gateway
 * writing to the watchdog's stdin, the watchdog answering on its stdout. Every line from the gateway counts as a
 * sign of life; `beat` is the one sent by a timer, so it stops exactly when the gateway's event loop stops.
 */
export type ToWatchdog =
  | { readonly t: 'beat' }
  /** A child's process group (its pid: children are spawned as group leaders) to kill when the gateway goes quiet. */
  | { readonly t: 'watch'; readonly pgid: number }
  | { readonly t: 'unwatch'; readonly pgid: number }
  /** Answered with `synced` after every report written before it: "tell me everything you did so far". */
  | { readonly t: 'sync'; readonly id: number };

export type FromWatchdog =
  | { readonly t: 'ready'; readonly timeoutMs: number }
  /** The gateway was quiet for `quietMs`: these groups were sent SIGKILL (groups already gone are not listed). */
  | { readonly t: 'fired'; readonly quietMs: number; readonly killed: readonly number[]; readonly failed: readonly { readonly pgid: number; readonly error: string }[] }
  | { readonly t: 'synced'; readonly id: number };

export function encode(message: ToWatchdog | FromWatchdog): string {
  return `${JSON.stringify(message)}\n`;
}

const isGroup = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 1;

/** A line from the gateway, or null for anything else (ignored: a sign of life all the same). */
export function parseToWatchdog(line: string): ToWatchdog | null {
  const m = parseObject(line);
  if (!m) return null;
  if (m['t'] === 'beat') return { t: 'beat' };
  if ((m['t'] === 'watch' || m['t'] === 'unwatch') && isGroup(m['pgid'])) return { t: m['t'], pgid: m['pgid'] };
  if (m['t'] === 'sync' && typeof m['id'] === 'number') return { t: 'sync', id: m['id'] };
  return null;
}

/** A line from the watchdog, or null for anything else. */
export function parseFromWatchdog(line: string): FromWatchdog | null {
  const m = parseObject(line);
  if (!m) return null;
  if (m['t'] === 'ready' && typeof m['timeoutMs'] === 'number') return { t: 'ready', timeoutMs: m['timeoutMs'] };
  if (m['t'] === 'synced' && typeof m['id'] === 'number') return { t: 'synced', id: m['id'] };
  if (m['t'] === 'fired' && typeof m['quietMs'] === 'number' && Array.isArray(m['killed']) && m['killed'].every(isGroup)) {
    const failed = Array.isArray(m['failed']) ? (m['failed'] as { pgid: number; error: string }[]) : [];
    return { t: 'fired', quietMs: m['quietMs'], killed: m['killed'], failed };
  }
  return null;
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
