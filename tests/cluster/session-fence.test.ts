import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import pg from 'pg';
import { SessionStores } from '../../src/cluster/session-store.js';
import { SessionStoreError } from '../../src/cluster/store/errors.js';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { ROOT } from '../helpers/gateway.js';
import { databaseUrl, POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { createPairedSlot } from '../helpers/sim-actions.js';
import { cleanupSims, runSim, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { isAlive, waitFor } from '../helpers/wait.js';

const DB = 'fence';
const SECRET = 'a-server-secret-of-at-least-32-bytes!';

/** DM-13/DM-14 (a): one role and schema per number, the password moved on takeover, old backends terminated. */
describe('per-number session stores and their fence', () => {
  let server: TestPostgres;
  let admin: pg.Pool;
  let stores: SessionStores;
  beforeAll(async () => {
    server = await startPostgres();
    await server.createDatabase(DB);
    admin = new pg.Pool({ connectionString: databaseUrl(server.port, DB), max: 3 });
    stores = new SessionStores({ admin, secret: SECRET, target: { host: '127.0.0.1', port: server.port, database: DB } });
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await cleanupSims();
    await admin?.end();
    await server?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  const sql = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> => (await admin.query<T>(text, params)).rows;
  /** One statement as the store's own role, through its DB_URI. */
  async function asChild<T extends pg.QueryResultRow>(uri: string, text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: uri });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  }
  const storeRoles = async (): Promise<string[]> => (await sql<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'wa\\_%' ORDER BY 1`)).map((r) => r.rolname);

  it('provisions role and schema once, with the search_path on the role and the fence in application_name', async () => {
    const first = await stores.provision('5511999000001', 1);
    const again = await stores.provision('5511999000001', 1);
    expect(again).toEqual(first);
    expect(first).toMatchObject({ role: 'wa_5511999000001', schema: 'wa_5511999000001', fence: 1 });
    expect(first.uri).toMatch(new RegExp(`^postgres://wa_5511999000001:[A-Za-z0-9_-]{43}@127\\.0\\.0\\.1:${server.port}/${DB}\\?sslmode=disable&application_name=f1$`));
    expect((await storeRoles()).filter((r) => r === 'wa_5511999000001')).toHaveLength(1);
    expect(await sql(`SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = 'wa_5511999000001'`)).toEqual([{ owner: 'wa_5511999000001' }]);
    expect(await sql(`SELECT rolconfig, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = 'wa_5511999000001'`))
      .toEqual([{ rolconfig: ['search_path=wa_5511999000001'], rolsuper: false, rolcreaterole: false }]);
    expect(await stores.currentFence('5511999000001')).toBe(1);
    // The URI names no schema; the role's search_path does.
    expect(first.uri).not.toContain('search_path');
    expect(await asChild(first.uri, `SELECT current_user AS who, current_schema() AS schema, current_setting('application_name') AS app`))
      .toEqual([{ who: 'wa_5511999000001', schema: 'wa_5511999000001', app: 'f1' }]);

    // One number cannot read another's store.
    const other = await stores.provision('5511999000002', 1);
    await asChild(other.uri, 'CREATE TABLE secrets (v text)');
    await expect(asChild(first.uri, 'SELECT * FROM wa_5511999000002.secrets')).rejects.toThrow(/permission denied for schema wa_5511999000002/);

    // The fence only moves forward.
    await stores.fence('5511999000002', 3);
    await expect(stores.provision('5511999000002', 2)).rejects.toMatchObject({ code: 'STORE_FENCE_STALE' });
    await expect(stores.fence('5511999000002', 2)).rejects.toMatchObject({ code: 'STORE_FENCE_STALE' });
    expect(await stores.currentFence('5511999000002')).toBe(3);
    await expect(stores.fence('5511999000077', 1)).rejects.toMatchObject({ code: 'STORE_NOT_PROVISIONED' });
    expect(await stores.currentFence('5511999000077')).toBeNull();
  });

  it('a number\'s store can neither read nor write the gateway\'s own tables in the same database', async () => {
    const migrator = new pg.Client({ connectionString: databaseUrl(server.port, DB) });
    await migrator.connect();
    try {
      await migratePostgres(migrator, path.join(ROOT, 'drizzle-postgres'));
    } finally {
      await migrator.end();
    }
    await sql(`INSERT INTO devices (phone_number, name, webhook_secret) VALUES ('5511999000009', 'n', 'gateway-side-secret')`);
    const store = await stores.provision('5511999000003', 1);
    for (const statement of ['SELECT webhook_secret FROM public.devices', 'SELECT * FROM public.api_keys', "INSERT INTO public.events (phone_number, seq, type, payload) VALUES ('x', 1, 't', '{}')"]) {
      await expect(asChild(store.uri, statement)).rejects.toThrow(/permission denied for table/);
    }
  });

  it('F-17: after fence(2) the revived old child can write nothing, the new one works, the old URI cannot connect', async () => {
    const key = '5511999000010';
    const one = await stores.provision(key, 1);
    const start = (uri: string): Promise<SimProcess> =>
      startSim({ basicAuth: 'u:p', env: { DB_URI: uri, SIM_AUTOCONNECT_DELAY_MS: '50', SIM_ACK_DELAY_MS: '20', SIM_TEST_RUN: process.env.SIM_TEST_RUN ?? '' } });
    const rows = (where: string, params: unknown[] = []): Promise<{ kind: string; fence: string; process_id: number }[]> =>
      sql(`SELECT kind, fence, process_id FROM wa_${key}.sim_event_log WHERE ${where} ORDER BY seq`, params);
    const send = (sim: SimProcess): Promise<{ status: number; text: string }> => sim.api('POST', '/send/message', { phone: '628999000111', message: 'x' });

    expect(await stores.hasSession(key)).toBe(false);
    const a = await start(one.uri);
    expect(await stores.hasSession(key)).toBe(false);
    await createPairedSlot(a, key, { jid: key });
    expect(await stores.hasSession(key)).toBe(true);
    expect((await send(a)).status).toBe(200);
    expect(await rows('true')).toEqual([
      { kind: 'pair', fence: 'f1', process_id: a.pid },
      { kind: 'message-sent', fence: 'f1', process_id: a.pid },
    ]);

    // A pauses (a GC stop, a partition); meanwhile the number moves on.
    process.kill(a.pid, 'SIGSTOP');
    const [{ at: fencedAt } = { at: '' }] = await sql<{ at: string }>('SELECT clock_timestamp()::text AS at');
    const two = await stores.fence(key, 2);
    expect(two.terminated).toBeGreaterThanOrEqual(1);
    expect(two.uri).not.toBe(one.uri);
    expect(await sql('SELECT pid FROM pg_stat_activity WHERE usename = $1', [`wa_${key}`])).toEqual([]);

    const b = await start(two.uri);
    await waitFor(async () => (await b.api<Envelope<{ state: string }[]>>('GET', '/devices')).json.results?.[0]?.state === 'logged_in', { what: 'B to connect the session' });
    expect((await send(b)).status).toBe(200);

    // A wakes up and tries to go on: every store write is refused; the stand-in keeps running (as whatsmeow does).
    process.kill(a.pid, 'SIGCONT');
    const stale = await send(a);
    expect(stale.status).toBe(500);
    expect(stale.text).toContain(`password authentication failed for user \\"wa_${key}\\"`);
    const incoming = await a.api('POST', '/_sim/incoming', { from: '628999000111', body: 'hi' });
    expect(incoming.status).toBe(500);
    expect((await a.api('GET', '/app/logout')).status).toBe(500);
    expect(isAlive(a.pid)).toBe(true);

    expect(await rows(`fence = 'f1' AND at > $1::timestamptz`, [fencedAt])).toEqual([]);
    expect(await rows(`at > $1::timestamptz`, [fencedAt])).toEqual([
      { kind: 'login', fence: 'f2', process_id: b.pid },
      { kind: 'message-sent', fence: 'f2', process_id: b.pid },
    ]);
    // The session row survived A's refused logout.
    expect(await sql(`SELECT count(*)::int AS n FROM wa_${key}.whatsmeow_device`)).toEqual([{ n: 1 }]);

    // A child started now with the old URI does not even get a connection.
    const late = await runSim(['rest'], { env: { DB_URI: one.uri } });
    expect(late.code).toBe(2);
    expect(late.stderr).toContain(`panic: failed to open database: pq: password authentication failed for user "wa_${key}"`);
  });

  it.each([
    ['SQL in the key', '5511999"; DROP ROLE postgres; --'],
    ['a path', '../../etc/passwd'],
    ['an identifier', 'wa_5511999000001'],
    ['a leading +', '+5511999000001'],
    ['spaces', ' 5511999000001'],
    ['too short', '1234567'],
    ['other digits', '٥٥١١٩٩٩٠٠٠٠٠١'],
    ['an upper-case pending id', 'pending-ABCDEFGHIJKL'],
    ['empty', ''],
  ])('refuses a hostile number key (%s) before any SQL', async (_what, key) => {
    const before = await storeRoles();
    await expect(stores.provision(key, 1)).rejects.toMatchObject({ name: 'SessionStoreError', code: 'STORE_KEY_INVALID' });
    await expect(stores.fence(key, 2)).rejects.toBeInstanceOf(SessionStoreError);
    expect(() => stores.credentials(key, 1)).toThrow(SessionStoreError);
    expect(await storeRoles()).toEqual(before);
  });

  it('takes pending ids, refuses bad fences, weak secrets and roles it did not make, and drops a store', async () => {
    const pending = await stores.provision('pending-abc123def456', 1);
    expect(pending.role).toBe('wa_pending_abc123def456');
    for (const fence of [0, -1, 1.5, Number.NaN]) {
      await expect(stores.provision('5511999000020', fence)).rejects.toMatchObject({ code: 'STORE_FENCE_INVALID' });
    }
    expect(() => new SessionStores({ admin, secret: 'short', target: { host: '127.0.0.1', port: server.port, database: DB } })).toThrow(/at least 32 bytes/);
    await sql('CREATE ROLE wa_5511999000030 LOGIN');
    await expect(stores.provision('5511999000030', 1)).rejects.toMatchObject({ code: 'STORE_NOT_PROVISIONED' });

    const live = await stores.provision('5511999000040', 1);
    await asChild(live.uri, 'CREATE TABLE whatsmeow_device (jid text)');
    await stores.drop('5511999000040');
    expect(await storeRoles()).not.toContain('wa_5511999000040');
    expect(await sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'wa_5511999000040'`)).toEqual([]);
    await expect(asChild(live.uri, 'SELECT 1')).rejects.toThrow(/password authentication failed|does not exist/);
  });
});
