import type { GatewayProcess } from './gateway.js';

export interface LoopDelay {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const METRIC = /^wa_gateway_nodejs_eventloop_lag_(p50|p99|max)_seconds (\S+)$/gm;
/** prom-client samples every 10 ms (its default precision) and Node's histogram counts that interval in. */
const SAMPLING_MS = 10;

/**
 * The gateway's event-loop delay since the previous call, from its own `/metrics` (prom-client resets the delay
 * histogram on every scrape; loopback callers need no token). Null when the gateway does not answer.
 */
export async function scrapeLoopDelay(gateway: GatewayProcess): Promise<LoopDelay | null> {
  try {
    const res = await fetch(`${gateway.url}/metrics`);
    if (!res.ok) return null;
    const found = new Map<string, number>();
    for (const [, name = '', value = ''] of (await res.text()).matchAll(METRIC)) found.set(name, Math.max(0, Number(value) * 1000 - SAMPLING_MS));
    const [p50Ms, p99Ms, maxMs] = ['p50', 'p99', 'max'].map((name) => Math.round((found.get(name) ?? NaN) * 100) / 100);
    if (p50Ms === undefined || p99Ms === undefined || maxMs === undefined || [p50Ms, p99Ms, maxMs].some(Number.isNaN)) return null;
    return { p50Ms, p99Ms, maxMs };
  } catch {
    return null;
  }
}
