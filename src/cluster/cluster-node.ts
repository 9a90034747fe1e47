import type pg from 'pg';
import { migratePostgres } from '../db/pg/migrate.js';
import type { Logger } from '../lib/logger.js';
import { addNumbers } from './numbers.js';
import { Membership } from './membership.js';
import { Ownership, type OwnershipHooks } from './ownership.js';
import { checkConnection, connectClient, createPool } from './pool.js';
import type { ClusterSettings } from './settings.js';
import { Wakeups } from './wakeups.js';

export interface ClusterNodeOptions {
  readonly settings: ClusterSettings;
  /** The binary's version on this node (`9.2.0`). */
  readonly gowaVersion: string;
  /** drizzle-postgres/ */
  readonly migrationsFolder: string;
  readonly hooks?: OwnershipHooks;
  readonly logger?: Logger;
  /** Connections for claims and fenced writes (the lease has its own two). */
  readonly poolSize?: number;
}

export interface ClusterNode {
  readonly membership: Membership;
  readonly ownership: Ownership;
  /** The pool fenced writes and the cluster's own queries use. */
  readonly pool: pg.Pool;
  /** A connection of its own (for LISTEN), named after this node and what it is for. */
  connect(purpose: string): Promise<pg.Client>;
  addNumbers(phoneNumbers: readonly string[]): Promise<number>;
  /** SIGTERM: hand every number over, leave, close the connections. */
  drain(): Promise<void>;
  /** Stop without handing over (the leases run out), close the connections. */
  close(): Promise<void>;
}

/**
 * Distributed mode's start-up, in order: check DATABASE_URL (a clear error, never its password), migrate, join
 * (a live twin of this NODE_ID stops the start), listen for wake-ups, start claiming.
 */
export async function startClusterNode(options: ClusterNodeOptions): Promise<ClusterNode> {
  const { settings, logger } = options;
  const { timings, databaseUrl: url, nodeId } = settings;
  const leasePool = createPool({ url, timeoutMs: timings.dbTimeoutMs, max: 2, applicationName: `wa-gw:${nodeId}:lease`, ...(logger ? { logger } : {}) });
  const pool = createPool({ url, timeoutMs: timings.dbTimeoutMs, max: options.poolSize ?? 8, applicationName: `wa-gw:${nodeId}:work`, ...(logger ? { logger } : {}) });
  const closePools = async (): Promise<void> => {
    await Promise.all([leasePool.end(), pool.end()]).catch(() => undefined);
  };
  const connect = (purpose: string): Promise<pg.Client> => connectClient(url, timings.dbTimeoutMs, `wa-gw:${nodeId}:${purpose}`);
  let wakeups: Wakeups | null = null;
  try {
    await checkConnection(leasePool, url);
    const migrator = await connectClient(url, Math.max(timings.dbTimeoutMs, 5000), `wa-gw:${nodeId}:migrate`);
    try {
      await migratePostgres(migrator, options.migrationsFolder);
    } finally {
      await migrator.end().catch(() => undefined);
    }
    const membership = new Membership({ pool: leasePool, nodeId, advertiseUrl: settings.advertiseUrl, capacity: settings.capacity, gowaVersion: options.gowaVersion, timings, ...(logger ? { logger } : {}) });
    await membership.join();
    const ownership = new Ownership({ pool, membership, capacity: settings.capacity, gowaVersion: options.gowaVersion, timings, ...(options.hooks ? { hooks: options.hooks } : {}), ...(logger ? { logger } : {}) });
    const listener = new Wakeups(() => connect('listen'), 'ownership', () => ownership.wake(), timings.heartbeatMs, logger);
    wakeups = listener;
    await listener.start();
    ownership.start();
    const finish = async (): Promise<void> => {
      await listener.stop();
      await closePools();
    };
    return {
      membership,
      ownership,
      pool,
      connect,
      addNumbers: (phoneNumbers) => addNumbers(pool, phoneNumbers),
      async drain() {
        await ownership.drain();
        await finish();
      },
      async close() {
        await ownership.stop();
        membership.stop();
        await finish();
      },
    };
  } catch (err) {
    await wakeups?.stop();
    await closePools();
    throw err;
  }
}
