import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ROOT } from '../lib/gateway.js';
import { waitUntil } from '../lib/processes.js';
import { distribution, type Distribution } from '../lib/stats.js';
import type { ClusterModule, ClusterNodeApi, ConfigModule } from './gateway-api.js';
import type { AppenderApi, JournalEntryApi, JournalModule, PoolModule } from './journal-api.js';
import type { NumbersModule } from './node-api.js';

const load = async <T>(...parts: string[]): Promise<T> => (await import(pathToFileURL(path.join(ROOT, 'dist', ...parts)).href)) as T;

export interface JournalFigureOptions {
  readonly numbers: number;
  /** Events appended as fast as the appender takes them (at most `inFlight` waiting at once). */
  readonly events: number;
  readonly inFlight: number;
  /** The latency run: this many events per second for `pacedSeconds`. */
  readonly pacedRate: number;
  readonly pacedSeconds: number;
  readonly log: (message: string) => void;
}

export interface JournalFigures {
  /** Events per second committed by node A (append resolved). */
  readonly appendPerSecond: number;
  /** Events per second delivered at node B, from the first append to the last delivery. */
  readonly fanoutPerSecond: number;
  /** ms from append() on A to the delivery at B, at the paced rate. */
  readonly latencyMs: Distribution;
}

/**
 * The journal on Postgres (DM-22), on its own database: node A owns the numbers and appends through the batched
 * fenced appender, node B follows them through LISTEN `journal`. Both run in this process (one monotonic clock
 * for the latency), each with its own pools and connections, as two gateways would.
 */
export async function measureJournal(databaseUrl: string, options: JournalFigureOptions): Promise<JournalFigures> {
  const cluster = await load<ClusterModule>('cluster', 'index.js');
  const { loadConfig } = await load<ConfigModule>('config', 'load.js');
  const { JournalAppender, JournalFanout } = await load<JournalModule>('cluster', 'journal', 'index.js');
  const { connectClient } = await load<PoolModule>('cluster', 'pool.js');
  const { addNumbers } = await load<NumbersModule>('cluster', 'numbers.js');
  const startNode = (nodeId: string, gowaVersion: string): Promise<ClusterNodeApi> => {
    const env = { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', CLUSTER_MODE: 'postgres', DATABASE_URL: databaseUrl, NODE_ID: nodeId, NODE_ADVERTISE_URL: `http://127.0.0.1:1/${nodeId}`, CLUSTER_STORE_SECRET: 'bench-journal-store-secret-of-32-bytes-or-more' };
    return cluster.startClusterNode({ settings: cluster.clusterSettings(loadConfig(env, ROOT) as never) as never, gowaVersion, migrationsFolder: path.join(ROOT, 'drizzle-postgres') });
  };

  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  admin.on('error', () => undefined);
  const numbers = Array.from({ length: options.numbers }, (_, i) => `55319${String(i + 1).padStart(8, '0')}`);
  const a = await startNode('journal-a', '9.3.0');
  let b: ClusterNodeApi | null = null;
  let fanout: { stop(): Promise<void> } | null = null;
  let appender: AppenderApi | null = null;
  try {
    await addNumbers(admin as never, numbers);
    await waitUntil(() => numbers.every((n) => a.ownership.held().get(n)?.kind === 'owned'), 60_000, 'node A owning the journal numbers');
    // Opened by a newer binary than B's: B never takes one, it only reads.
    for (const n of numbers) await a.ownership.noteStoreVersion(n, a.ownership.held().get(n)!.fence, '9.3.0');
    b = await startNode('journal-b', '9.2.0');
    const fence = (n: string): number => a.ownership.held().get(n)!.fence;

    let delivered = 0;
    let lastDelivery = 0;
    const latencies: number[] = [];
    const reader = new JournalFanout({
      pool: b.pool as never,
      listen: () => connectClient(databaseUrl, 2000, 'wa-gw:journal-b:listen') as Promise<never>,
      deliver: (entry: JournalEntryApi) => {
        delivered++;
        lastDelivery = performance.now();
        const sent = entry.payload['t'];
        if (entry.payload['paced'] === true && typeof sent === 'number') latencies.push(lastDelivery - sent);
      },
    });
    fanout = reader;
    await reader.start();
    for (const n of numbers) await reader.follow(n);
    const writer = new JournalAppender({ pool: a.pool as never, nodeId: 'journal-a', fences: a.ownership as never });
    appender = writer;
    const event = (i: number, paced: boolean) => ({ type: 'message', payload: { type: 'message', i, paced, t: performance.now(), body: { text: `event ${i}`, from: '5511999990000@s.whatsapp.net' } } });

    // Warm-up: connections, plans.
    await Promise.all(Array.from({ length: 200 }, (_, i) => writer.append(numbers[i % numbers.length]!, fence(numbers[i % numbers.length]!), event(i, false))));
    await waitUntil(() => delivered >= 200, 30_000, 'the warm-up delivered');

    // Saturated: as fast as it goes.
    const before = delivered;
    const start = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < options.events) {
        const i = next++;
        const n = numbers[i % numbers.length]!;
        await writer.append(n, fence(n), event(i, false));
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, lane));
    const appended = performance.now();
    await waitUntil(() => delivered - before >= options.events, 120_000, 'every saturated event delivered at B');
    const appendPerSecond = options.events / ((appended - start) / 1000);
    const fanoutPerSecond = options.events / ((lastDelivery - start) / 1000);
    options.log(`journal: ${options.events} events over ${numbers.length} numbers, appended ${Math.round(appendPerSecond)}/s, fanned out ${Math.round(fanoutPerSecond)}/s`);

    // Paced: latency from append to delivery at a steady rate.
    const total = options.pacedRate * options.pacedSeconds;
    const pacedStart = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - pacedStart) / 1000) * options.pacedRate));
      for (; i < due; i++) {
        const n = numbers[i % numbers.length]!;
        pending.push(writer.append(n, fence(n), event(i, true)));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(pending);
    await waitUntil(() => latencies.length >= total, 60_000, 'every paced event delivered at B');
    return { appendPerSecond, fanoutPerSecond, latencyMs: distribution(latencies) };
  } finally {
    await appender?.close().catch(() => undefined);
    await fanout?.stop().catch(() => undefined);
    await b?.close().catch(() => undefined);
    await a.close().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}
