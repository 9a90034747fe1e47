import autocannon, { type AutocannonRequest } from 'autocannon';
import { cpuMs, machineLoadMeter, type MachineLoad } from './processes.js';
import { distribution, type Distribution } from './stats.js';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** A different request each time (e.g. rotating the sender); overrides method/body. */
  readonly requests?: AutocannonRequest[];
  /** Requests per second from all connections together; unset = as fast as the server answers. */
  readonly overallRate?: number;
  /** Processes whose CPU use is reported for the run (label → pid, or several pids added up). */
  readonly watch?: Record<string, number | readonly number[]>;
}

export interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly durationSec: number;
  /** Successful (2xx) answers per second. */
  readonly okPerSec: number;
  /** Latency of 2xx answers in ms, measured per request with sub-millisecond precision. */
  readonly latency: Distribution;
  /** The raw 2xx latencies (ms), for pooling several runs. */
  readonly samples: number[];
  readonly statusCounts: Record<string, number>;
  readonly errors: number;
  /** CPU use of the watched processes during the run, in % of one core. */
  readonly cpuPercent: Record<string, number>;
  /** How busy the machine was, and how much of that was other programs. */
  readonly machine: MachineLoad;
}

/**
 * One autocannon run. Latencies are taken from autocannon's per-response event (hrtime, fractional ms)
 * rather than its histogram, which rounds to whole milliseconds.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const watch: Record<string, number | readonly number[]> = { client: process.pid, ...(options.watch ?? {}) };
  const cpuOf = (pids: number | readonly number[]): number => (typeof pids === 'number' ? [pids] : pids).reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
  const cpuBefore = Object.fromEntries(Object.entries(watch).map(([label, pids]) => [label, cpuOf(pids)]));
  const started = performance.now();
  const machine = machineLoadMeter();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSec,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        body: options.body,
        requests: options.requests,
        overallRate: options.overallRate,
        timeout: 30,
      },
      (err, result) => {
        if (err) {
          reject(err);
          return;
        }
        const elapsedSec = (performance.now() - started) / 1000;
        const cpuPercent = Object.fromEntries(
          Object.entries(watch).map(([label, pids]) => [label, Math.round(((cpuOf(pids) - (cpuBefore[label] ?? 0)) / 1000 / elapsedSec) * 100)]),
        );
        const ok = latencies.length;
        resolve({
          requests: result.requests.total,
          ok,
          durationSec: result.duration,
          okPerSec: ok / result.duration,
          latency: distribution(latencies),
          samples: latencies,
          statusCounts,
          errors: result.errors,
          cpuPercent,
          machine: machine(),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
