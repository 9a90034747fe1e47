import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEVICE_STATES } from '../domain/device-state.js';
import type { ResourceSampler } from '../health/resource-sampler.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** Extra series from other components (outbox counts, webhook backlog), filled at scrape time. */
export interface MetricsContributor {
  register(registry: Registry): void;
}

export interface MetricsDeps {
  readonly supervisor: Supervisor;
  readonly sampler: ResourceSampler;
  readonly queueDepth: (phoneNumber: string) => number;
  readonly contributors: readonly MetricsContributor[];
}

/**
 * One registry per gateway (not prom-client's global), so tests and several gateways in one process never mix.
 * Per-number series are computed when scraped from in-memory state and the resource sampler.
 */
export function createMetrics(deps: MetricsDeps): { registry: Registry; httpDuration: Histogram<'method' | 'route' | 'status'> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wa_gateway_' });

  const perNumber = (name: string, help: string, value: (phone: string) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['phone'],
      registers: [registry],
      collect() {
        this.reset();
        for (const runner of deps.supervisor.list()) {
          const v = value(runner.phoneNumber);
          if (v !== null) this.set({ phone: runner.phoneNumber }, v);
        }
      },
    });

  const runner = (phone: string) => deps.supervisor.runner(phone);
  perNumber('wa_device_up', '1 when the number’s process is running and healthy', (p) => (runner(p)?.state === 'running' ? 1 : 0));
  perNumber('wa_device_logged_in', '1 when the number is logged in to WhatsApp', (p) => (runner(p)?.session === 'logged_in' ? 1 : 0));
  perNumber('wa_device_restarts', 'Automatic restarts of the number’s process', (p) => deps.supervisor.row(p).restartCount);
  perNumber('wa_device_rss_bytes', 'Resident memory of the number’s process', (p) => deps.sampler.get(p)?.rssBytes ?? null);
  perNumber('wa_device_cpu_percent', 'CPU use of the number’s process (% of one core)', (p) => deps.sampler.get(p)?.cpuPercent ?? null);
  perNumber('wa_queue_depth', 'Messages waiting in the number’s send queue', (p) => deps.queueDepth(p));
  perNumber('wa_device_uptime_seconds', 'Seconds since the number’s process became ready', (p) => {
    const ms = runner(p)?.uptimeMs;
    return ms === null || ms === undefined ? null : ms / 1000;
  });
  new Gauge({
    name: 'wa_device_state',
    help: '1 for the current supervisor state of each number',
    labelNames: ['phone', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of deps.supervisor.list()) for (const state of DEVICE_STATES) this.set({ phone: r.phoneNumber, state }, r.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'wa_processes_running',
    help: 'Numbers whose process is running',
    registers: [registry],
    collect() {
      this.set(deps.supervisor.list().filter((r) => r.state === 'running').length);
    },
  });
  const watchdogKills = new Counter({ name: 'wa_child_watchdog_kills_total', help: 'Children the child watchdog killed because the gateway was unresponsive (paused, blocked)', registers: [registry] });
  deps.supervisor.events.on('watchdog-fired', (e) => watchdogKills.inc(e.killedPids.length));
  new Gauge({
    name: 'wa_child_watchdog_up',
    help: '1 while the child watchdog runs, 0 when it is off or not running (it starts with the first child)',
    registers: [registry],
    collect() {
      this.set(deps.supervisor.watchdogStatus().pid === null ? 0 : 1);
    },
  });
  const httpDuration = new Histogram({
    name: 'wa_http_request_duration_seconds',
    help: 'API response time by route',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
    registers: [registry],
  });
  for (const c of deps.contributors) c.register(registry);
  return { registry, httpDuration };
}
