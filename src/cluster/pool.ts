import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { ClusterError } from './errors.js';
import { describeDatabaseUrl, explainConnectError } from './redact.js';

export interface PoolOptions {
  readonly url: string;
  /** Limit of one query, on both sides, and of opening a connection (DM-6: shorter than the renew interval). */
  readonly timeoutMs: number;
  readonly max: number;
  /** Shown in pg_stat_activity: `wa-gw:<node>:<purpose>`. */
  readonly applicationName: string;
  readonly logger?: Logger;
}

/**
 * A pool whose every query is bounded: the server cancels a statement after `timeoutMs` and the client stops
 * waiting at the same point, so a silently dropped link fails fast instead of stalling a renewal. A session left
 * idle inside a transaction (its process paused mid-write) is ended by the server, so its row locks cannot keep a
 * number from being claimed.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.applicationName,
    statement_timeout: options.timeoutMs,
    query_timeout: options.timeoutMs,
    lock_timeout: options.timeoutMs,
    idle_in_transaction_session_timeout: Math.max(2 * options.timeoutMs, 1000),
    connectionTimeoutMillis: options.timeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle connection dropped by the server (restart, failover) errors here; without a listener the process dies.
  pool.on('error', (err) => options.logger?.warn({ server: describeDatabaseUrl(options.url), code: (err as { code?: string }).code }, 'cluster: an idle Postgres connection failed'));
  return pool;
}

/** A first query, so a wrong or unreachable DATABASE_URL stops the boot with a clear error (never its password). */
export async function checkConnection(pool: pg.Pool, url: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    throw explainConnectError(err, url);
  }
}

/** A client outside any pool (migrations, LISTEN), with the same error wording. */
export async function connectClient(url: string, timeoutMs: number, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: applicationName, keepAlive: true });
  // A drop between queries is emitted here (the next query fails with it); unheard, it would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw explainConnectError(err, url);
  }
  return client;
}

/**
 * A pooled connection for one transaction. While checked out, a connection the server drops emits `error` on the
 * client itself (the pool listens only to idle ones), which would end the process: it is caught here, the next
 * query fails with it anyway, and a connection that failed is thrown away instead of going back to the pool.
 */
export async function withConnection<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed: unknown = null;
  const onError = (err: Error): void => {
    failed = err;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (err) {
    // A refusal of ours (ownership lost) leaves the connection healthy; anything else may not have.
    if (!(err instanceof ClusterError)) failed ??= err;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(failed !== null);
  }
}
