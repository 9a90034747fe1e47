/**
 * `DB_URI=postgres:…`: the session store in Postgres, as whatsmeow's sqlstore keeps it (docs/binary-contract.md §2).
 * Tables go into the connection's default schema: in distributed mode the gateway gives each number a role whose
 * `search_path` is its own schema, so nothing in the URI names the schema. At boot every device found there is
 * loaded and auto-connected (GOWA's `LoadExistingDevices`), which is why two processes must never share a schema.
 *
 * Store failures while running: whatsmeow logs them and fails the operation that needed the write (a pairing, a
 * send, a decryption); the process keeps running and keeps its WhatsApp socket. The stand-in does exactly that and
 * does not exit: a gateway must stop a fenced child itself and may not count on it dying.
 */
import { randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../lib/logger.js';
import { DEVICE_COLUMNS, StoreOpenError, userOf, type SessionStore, type StoreEventKind, type StoredSession } from './session-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS whatsmeow_device (
  jid TEXT PRIMARY KEY,
  registration_id BIGINT NOT NULL,
  noise_key BYTEA NOT NULL,
  identity_key BYTEA NOT NULL,
  adv_secret_key BYTEA NOT NULL,
  platform TEXT NOT NULL DEFAULT '',
  push_name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS sim_event_log (
  seq BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  jid TEXT NOT NULL,
  detail JSONB NOT NULL DEFAULT '{}',
  process_id INTEGER NOT NULL,
  fence TEXT NOT NULL DEFAULT current_setting('application_name'),
  db_user TEXT NOT NULL DEFAULT current_user,
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);`;

/** How long one connection attempt may take (lib/pq has no default; a dropped route must not hang the boot forever). */
const CONNECT_TIMEOUT_MS = 10_000;

export class PgSessionStore implements SessionStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly processId: number,
  ) {}

  /** Connects and creates the tables; any failure is a StoreOpenError (the binary panics, exit 2). */
  static async open(uri: string, processId: number, logger: Logger): Promise<PgSessionStore> {
    let pool: pg.Pool;
    try {
      // database/sql keeps up to 2 idle connections and never caps open ones; two is what a number uses.
      pool = new pg.Pool({ connectionString: uri, max: 2, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, idleTimeoutMillis: 0 });
    } catch (err) {
      throw new StoreOpenError(goError(err), { cause: err });
    }
    // A terminated idle backend is reported here; without a listener it would crash the process.
    pool.on('error', (err) => logger.error(`[DB] session store connection lost: ${goError(err)}`));
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Two first boots on one schema would otherwise race on CREATE TABLE.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.whatsmeow'))`);
        await client.query(SCHEMA);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreOpenError(goError(err), { cause: err });
    }
    return new PgSessionStore(pool, processId);
  }

  async list(): Promise<StoredSession[]> {
    const { rows } = await this.query<{ jid: string; push_name: string }>('SELECT jid, push_name FROM whatsmeow_device ORDER BY jid');
    return rows.map((row) => ({ adJid: row.jid, pushName: row.push_name }));
  }

  async save(adJid: string, pushName: string, platform: string): Promise<void> {
    await this.query(
      `INSERT INTO whatsmeow_device (${DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (jid) DO UPDATE SET platform = EXCLUDED.platform, push_name = EXCLUDED.push_name`,
      [adJid, randomInt(1, 2 ** 31 - 1), randomBytes(32), randomBytes(32), randomBytes(32), platform, pushName],
    );
  }

  async removeUser(user: string): Promise<void> {
    const devices = (await this.list()).filter((session) => userOf(session.adJid) === user).map((session) => session.adJid);
    if (devices.length > 0) await this.query('DELETE FROM whatsmeow_device WHERE jid = ANY($1)', [devices]);
  }

  async record(kind: StoreEventKind, jid: string, detail: Readonly<Record<string, unknown>> = {}): Promise<void> {
    await this.query('INSERT INTO sim_event_log (kind, jid, detail, process_id) VALUES ($1, $2, $3, $4)', [kind, jid, JSON.stringify(detail), this.processId]);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw new Error(goError(err), { cause: err });
    }
  }
}

/**
 * An error as lib/pq and Go's net package word it (`pq: password authentication failed for user "x"`,
 * `dial tcp 127.0.0.1:5432: connect: connection refused`). Exact wording in the binary is unconfirmed.
 */
function goError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'ECONNREFUSED') return `dial tcp ${e.address ?? '?'}:${e.port ?? '?'}: connect: connection refused`;
  if (e.code === 'ENOTFOUND') return `dial tcp: lookup ${(e as { hostname?: string }).hostname ?? '?'}: no such host`;
  const message = e instanceof Error ? e.message : String(err);
  return /^[0-9A-Z]{5}$/.test(e.code ?? '') ? `pq: ${message}` : message;
}
