import type { DatabaseHandle } from '../db/client.js';
import { DEVICE_STATES, type DeviceState } from '../domain/device-state.js';
import type { NumberFilter } from '../domain/phone.js';
import type { Clock } from '../lib/clock.js';
import type { ChildFeeds } from '../events/child-feeds.js';
import type { JournalEvents } from '../events/journal.js';
import type { Listenable } from '../lib/typed-emitter.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ResourceSampler } from './resource-sampler.js';
import { diskUsage } from './system-stats.js';

/** A component that adds its backlog to the detailed health (the outbox, webhook deliveries). */
export interface HealthContributor {
  readonly name: string;
  /** Figures for the report, and the problems that make the gateway unhealthy (empty when fine); numbers only as `visible` lets them through. */
  report(visible: NumberFilter): { figures: Record<string, unknown>; problems: string[] };
}

export interface HealthDeps {
  readonly supervisor: Supervisor;
  readonly feeds: ChildFeeds;
  /** Stored events: the last one a child reported is each number's "last event". */
  readonly journal: Listenable<JournalEvents>;
  readonly sampler: ResourceSampler;
  readonly database: DatabaseHandle;
  readonly clock: Clock;
  readonly version: string;
  readonly sessionsDir: string;
  readonly dataDir: string;
  readonly minFreeDiskBytes: number;
  /** Messages waiting in a number's queue (0 when messaging is not wired). */
  readonly queueDepth: (phoneNumber: string) => number;
  readonly contributors: readonly HealthContributor[];
  readonly binaryVersion: () => string | null;
}

/** Answers the health endpoints from what the components already know; no request touches a child. */
export class HealthService {
  private readonly lastEvent = new Map<string, number>();
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly deps: HealthDeps) {
    this.unsubscribe = [
      deps.journal.on('recorded', ({ phoneNumber, message }) => {
        if (message.source !== 'gateway') this.lastEvent.set(phoneNumber, deps.clock.now());
      }),
    ];
  }

  /** `visible`: the reader's view of the numbers (the report's health does not depend on it, only what it names). */
  detailed(visible: NumberFilter): { healthy: boolean; body: Record<string, unknown> } {
    const problems: string[] = [];
    const database = this.checkDatabase();
    if (!database.ok) problems.push(`database: ${database.error}`);

    const byState = Object.fromEntries(DEVICE_STATES.map((s) => [s, 0])) as Record<DeviceState, number>;
    const failed: string[] = [];
    for (const runner of this.deps.supervisor.list()) {
      byState[runner.state]++;
      if (runner.state === 'failed') failed.push(runner.phoneNumber);
    }
    const shown = visible(failed);
    if (failed.length > 0) problems.push(`numbers in crash loop (failed)${shown.length > 0 ? `: ${shown.join(', ')}` : ''}`);

    const disks = { sessions: diskUsage(this.deps.sessionsDir), data: diskUsage(this.deps.dataDir) };
    for (const [name, disk] of Object.entries(disks)) {
      if (disk && disk.freeBytes < this.deps.minFreeDiskBytes) problems.push(`disk: ${name} folder has only ${Math.round(disk.freeBytes / 1048576)} MB free`);
    }

    const contributions: Record<string, unknown> = {};
    for (const c of this.deps.contributors) {
      const { figures, problems: found } = c.report(visible);
      contributions[c.name] = figures;
      problems.push(...found);
    }
    const restore = this.deps.supervisor.lastRestore;
    const watchdog = this.deps.supervisor.watchdogStatus();
    // The watchdog died and is being started again: a pause now would leave the children unsupervised.
    if (watchdog.restarting) problems.push('child watchdog: not running (being started again)');
    return {
      healthy: problems.length === 0,
      body: {
        status: problems.length === 0 ? 'ok' : 'unhealthy',
        problems,
        version: { gateway: this.deps.version, binary: this.deps.binaryVersion() },
        database,
        disks,
        supervisor: { total: this.deps.supervisor.list().length, byState, restore: { restored: restore.restored.length, skipped: restore.skipped.length, failed: restore.failed.length }, watchdog },
        ...contributions,
      },
    };
  }

  devices(phoneNumbers: readonly string[]): Record<string, unknown>[] {
    return phoneNumbers.flatMap((phone) => {
      const runner = this.deps.supervisor.runner(phone);
      if (!runner) return [];
      const row = this.deps.supervisor.row(phone);
      const resources = this.deps.sampler.get(phone);
      const last = this.lastEvent.get(phone);
      return [
        {
          phoneNumber: phone,
          name: row.name,
          state: runner.state,
          sessionState: runner.session,
          loggedIn: runner.session === 'logged_in',
          connected: this.deps.feeds.isConnected(phone),
          pid: runner.pid,
          port: runner.port,
          uptimeSeconds: runner.uptimeMs === null ? null : Math.round(runner.uptimeMs / 1000),
          restarts: row.restartCount,
          rssBytes: resources?.rssBytes ?? null,
          cpuPercent: resources?.cpuPercent ?? null,
          queueDepth: this.deps.queueDepth(phone),
          lastEventAt: last === undefined ? null : new Date(last).toISOString(),
        },
      ];
    });
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  private checkDatabase(): { ok: boolean; latencyMs?: number; error?: string } {
    const started = performance.now();
    try {
      this.deps.database.sqlite.prepare('SELECT 1').get();
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}
