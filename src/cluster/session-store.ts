/**
 * Per-number WhatsApp session stores in Postgres (docs: scale-out DM-13/DM-14 option a). Each number gets a role
 * and a schema `wa_<id>` owned by it, with the role's `search_path` set to the schema (not in the URI: PgBouncer
 * refuses unknown startup parameters), so its child's whatsmeow tables land there and nowhere else. The role's
 * password is derived from the server secret, the number and the fence, and is recorded with the fence in the
 * role's comment:
 *
 * - `provision(key, fence)` creates role and schema when missing (idempotent); it never moves the fence backwards.
 * - `fence(key, newFence)` is the takeover step: the password moves to the new fence's, then every backend of the
 *   role is terminated (waiting for each), so a paused or partitioned old child can neither write nor reconnect.
 *   Call it before the new owner's child starts: it ends that child's connections too.
 *
 * The admin pool needs a superuser, or CREATEROLE plus membership in the roles it creates (Postgres 16 grants that
 * to the creator itself).
 */
import type pg from 'pg';
import { checkFence, checkSecret, scramVerifier, storePassword } from './store/credentials.js';
import { SessionStoreError } from './store/errors.js';
import { quoteIdent, quoteVerifier, storeRoleOf } from './store/identifiers.js';

export interface StoreTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Default `disable` (the children reach Postgres as the gateway does). */
  readonly sslmode?: string;
}

export interface StoreCredentials {
  readonly role: string;
  readonly schema: string;
  readonly fence: number;
  /** The child's `DB_URI`: `postgres://wa_<id>:<pw>@host:port/db?sslmode=…&application_name=f<fence>`. */
  readonly uri: string;
}

export interface SessionStoresOptions {
  readonly admin: pg.Pool;
  /** At least 32 bytes; the same on every node. */
  readonly secret: string | Buffer;
  readonly target: StoreTarget;
}

/** A number's child uses about two backends; the cap keeps a runaway child from starving Postgres. */
const CONNECTION_LIMIT = 8;
/** How long `fence` waits for each old backend to be gone. */
const TERMINATE_WAIT_MS = 5000;
const NOTE = /^whatsapp-gateway session store; fence=([0-9]{1,15})$/;

export class SessionStores {
  constructor(private readonly options: SessionStoresOptions) {
    checkSecret(options.secret);
  }

  /** Host, port and database of a `postgres://` URL (the gateway's own `DATABASE_URL`). */
  static targetFromUrl(url: string, sslmode?: string): StoreTarget {
    const parsed = new URL(url);
    return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 5432), database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres', sslmode };
  }

  /** What a child started on `fence` is given; pure (no database access). */
  credentials(numberKey: string, fence: number): StoreCredentials {
    const role = storeRoleOf(numberKey);
    checkFence(fence);
    const { host, port, database, sslmode = 'disable' } = this.options.target;
    const password = storePassword(this.options.secret, numberKey, fence);
    const shownHost = host.includes(':') ? `[${host}]` : host;
    const query = new URLSearchParams({ sslmode, application_name: `f${fence}` });
    const uri = `postgres://${role}:${encodeURIComponent(password)}@${shownHost}:${port}/${encodeURIComponent(database)}?${query.toString()}`;
    return { role, schema: role, fence, uri };
  }

  /** Creates the number's role and schema when missing; a higher fence than recorded is applied as `fence` does. */
  async provision(numberKey: string, fence: number): Promise<StoreCredentials> {
    const creds = this.credentials(numberKey, fence);
    const advanced = await this.inLock(creds.role, async (client, recorded) => {
      const name = quoteIdent(creds.role);
      const verifier = quoteVerifier(scramVerifier(storePassword(this.options.secret, numberKey, fence)));
      if (recorded === undefined) {
        await client.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${CONNECTION_LIMIT} PASSWORD ${verifier}`);
      } else if (fence < recorded) {
        throw stale(creds.role, fence, recorded);
      } else if (fence > recorded) {
        await client.query(`ALTER ROLE ${name} PASSWORD ${verifier}`);
      }
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${name} AUTHORIZATION ${name}`);
      await client.query(`ALTER ROLE ${name} SET search_path = ${name}`);
      await this.note(client, creds.role, fence);
      return recorded !== undefined && fence > recorded;
    });
    if (advanced) await this.terminate(creds.role);
    return creds;
  }

  /**
   * Takeover: the role's password becomes `newFence`'s, then its backends are terminated. A fence lower than the
   * recorded one is refused (a late old owner cannot take the store back); the same fence again re-runs both steps.
   */
  async fence(numberKey: string, newFence: number): Promise<StoreCredentials & { terminated: number }> {
    const creds = this.credentials(numberKey, newFence);
    await this.inLock(creds.role, async (client, recorded) => {
      if (recorded === undefined) throw new SessionStoreError('STORE_NOT_PROVISIONED', `no session store for ${creds.role}`);
      if (newFence < recorded) throw stale(creds.role, newFence, recorded);
      const verifier = quoteVerifier(scramVerifier(storePassword(this.options.secret, numberKey, newFence)));
      await client.query(`ALTER ROLE ${quoteIdent(creds.role)} PASSWORD ${verifier}`);
      await this.note(client, creds.role, newFence);
    });
    return { ...creds, terminated: await this.terminate(creds.role) };
  }

  /** The fence the store was last provisioned or fenced with; null when it does not exist. */
  async currentFence(numberKey: string): Promise<number | null> {
    const role = storeRoleOf(numberKey);
    return (await readFence(this.options.admin, role)) ?? null;
  }

  /**
   * Does the number's store hold a paired session (a `whatsmeow_device` row)? The cluster-mode counterpart of
   * db/child-session.ts: the tables exist only once a child has started on the store.
   */
  async hasSession(numberKey: string): Promise<boolean> {
    const schema = quoteIdent(storeRoleOf(numberKey));
    const { rows } = await this.options.admin.query<{ table: string | null }>(`SELECT to_regclass($1) AS table`, [`${schema}.whatsmeow_device`]);
    if (!rows[0]?.table) return false;
    const count = await this.options.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.whatsmeow_device`);
    return (count.rows[0]?.n ?? 0) > 0;
  }

  /** Removes a number's store for good: its backends, schema (with the session) and role. */
  async drop(numberKey: string): Promise<void> {
    const role = storeRoleOf(numberKey);
    await this.inLock(role, async (client, recorded) => {
      if (recorded === undefined) return;
      await client.query(`ALTER ROLE ${quoteIdent(role)} NOLOGIN`);
    });
    await this.terminate(role);
    await this.inLock(role, async (client, recorded) => {
      if (recorded === undefined) return;
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(role)} CASCADE`);
      await client.query(`DROP ROLE ${quoteIdent(role)}`);
    });
  }

  /** One transaction holding the role's advisory lock, so two nodes never race on one store. */
  private async inLock<T>(role: string, work: (client: pg.PoolClient, recorded: number | undefined) => Promise<T>): Promise<T> {
    const client = await this.options.admin.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`wa-session-store:${role}`]);
      const result = await work(client, await readFence(client, role));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async note(client: pg.PoolClient, role: string, fence: number): Promise<void> {
    await client.query(`COMMENT ON ROLE ${quoteIdent(role)} IS 'whatsapp-gateway session store; fence=${fence}'`);
  }

  /** Ends every backend of the role and waits for each; returns how many ended. */
  private async terminate(role: string): Promise<number> {
    const { rows } = await this.options.admin.query<{ ended: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, $2)) AS ended
         FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`,
      [role, TERMINATE_WAIT_MS],
    );
    return Number(rows[0]?.ended ?? 0);
  }
}

/** undefined: no such role. A role of that name that this code did not make is refused rather than taken over. */
async function readFence(db: pg.Pool | pg.PoolClient, role: string): Promise<number | undefined> {
  const { rows } = await db.query<{ note: string | null }>(`SELECT shobj_description(oid, 'pg_authid') AS note FROM pg_roles WHERE rolname = $1`, [role]);
  const row = rows[0];
  if (!row) return undefined;
  const match = NOTE.exec(row.note ?? '');
  if (!match) throw new SessionStoreError('STORE_NOT_PROVISIONED', `role ${role} exists but is not a session store made by the gateway`);
  return Number(match[1]);
}

function stale(role: string, fence: number, recorded: number): SessionStoreError {
  return new SessionStoreError('STORE_FENCE_STALE', `fence ${fence} for ${role} is older than its current fence ${recorded}`);
}
