import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupArbiters, startArbiter } from '../helpers/arbiter.js';
import { databaseUrl, POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { createPairedSlot, simIncoming } from '../helpers/sim-actions.js';
import { cleanupSims, freePort, IS_STAND_IN, runSim, startSim, type Envelope, type SimProcess } from '../helpers/sim-process.js';
import { waitFor } from '../helpers/wait.js';

const DB = 'simstore';
const itSim = IS_STAND_IN ? it : it.skip;

interface Device {
  id: string;
  jid?: string;
  state: string;
}

/**
 * `DB_URI=postgres:…` (docs/binary-contract.md §2): the whatsmeow store lives in the role's default schema (its
 * search_path, as distributed mode provisions it), every device found there is loaded and connected at boot,
 * and a store that cannot be opened is a panic.
 */
describe('the stand-in with a Postgres session store', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
    await pg.createDatabase(DB);
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await cleanupSims();
    await cleanupArbiters();
    await pg?.destroy();
  }, POSTGRES_SETUP_TIMEOUT_MS);

  /** A role whose search_path is its own schema: nothing in the URI names the schema. */
  async function storeRole(role: string): Promise<string> {
    await pg.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}'`);
    await pg.query(`CREATE SCHEMA ${role} AUTHORIZATION ${role}`, [], DB);
    await pg.query(`ALTER ROLE ${role} SET search_path = ${role}`);
    return `${databaseUrl(pg.port, DB, role, `pw-${role}`)}?sslmode=disable&application_name=f7`;
  }

  const start = (uri: string, env: Record<string, string> = {}): Promise<SimProcess> =>
    startSim({ basicAuth: 'u:p', env: { DB_URI: uri, SIM_AUTOCONNECT_DELAY_MS: '50', SIM_ACK_DELAY_MS: '20', SIM_TEST_RUN: process.env.SIM_TEST_RUN ?? '', ...env } });

  const devices = async (sim: SimProcess): Promise<Device[]> => (await sim.api<Envelope<Device[]>>('GET', '/devices')).json.results ?? [];

  it('pairs into the role\'s schema, and a new process on another folder finds and connects the session', async () => {
    const uri = await storeRole('wa_sim_a');
    const a = await start(uri);
    await createPairedSlot(a, '628111', { jid: '628111', push_name: 'Ann' });
    const stored = await pg.query<{ jid: string; push_name: string }>('SELECT jid, push_name FROM wa_sim_a.whatsmeow_device', [], DB);
    expect(stored).toEqual([{ jid: expect.stringMatching(/^628111:\d+@s\.whatsapp\.net$/), push_name: 'Ann' }]);
    expect(await pg.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`, [], DB)).toEqual([]);
    expect(existsSync(join(a.cwd, 'storages/whatsapp.db'))).toBe(false);
    // Chat storage stays SQLite in the process's own folder, as in the binary.
    expect(existsSync(join(a.cwd, 'storages/chatstorage.db'))).toBe(true);

    const sent = await a.api('POST', '/send/message', { phone: '628999000111', message: 'hello' });
    expect(sent.status).toBe(200);
    await simIncoming(a, { from: '628999000111', body: 'hi back' });
    expect(await pg.query(`SELECT pid FROM pg_stat_activity WHERE usename = 'wa_sim_a'`)).not.toEqual([]);
    expect(await a.stop()).toEqual({ code: 0, signal: null });
    // A clean shutdown closes its store connections.
    await waitFor(async () => (await pg.query(`SELECT pid FROM pg_stat_activity WHERE usename = 'wa_sim_a'`)).length === 0, { what: 'A\'s backends to end' });

    // Another node: an empty folder, the same store.
    const b = await start(uri);
    await b.waitForOutput('discovered 1 device records in store', 'stderr');
    await waitFor(async () => (await devices(b)).find((d) => d.state === 'logged_in'), { what: 'the stored session to connect' });
    expect(await devices(b)).toEqual([expect.objectContaining({ id: '628111@s.whatsapp.net', jid: '628111@s.whatsapp.net', state: 'logged_in' })]);
    expect(b.cwd).not.toBe(a.cwd);

    const log = await waitFor(async () => {
      const rows = await pg.query<{ kind: string; fence: string; db_user: string; process_id: number }>(
        'SELECT kind, fence, db_user, process_id FROM wa_sim_a.sim_event_log ORDER BY seq', [], DB);
      return rows.length === 4 ? rows : undefined;
    }, { what: 'four event rows' });
    expect(log).toEqual([
      { kind: 'pair', fence: 'f7', db_user: 'wa_sim_a', process_id: a.pid },
      { kind: 'message-sent', fence: 'f7', db_user: 'wa_sim_a', process_id: a.pid },
      { kind: 'message-received', fence: 'f7', db_user: 'wa_sim_a', process_id: a.pid },
      { kind: 'login', fence: 'f7', db_user: 'wa_sim_a', process_id: b.pid },
    ]);

    // Logout deletes the session from the store.
    expect((await b.api('GET', '/app/logout')).status).toBe(200);
    expect(await pg.query('SELECT jid FROM wa_sim_a.whatsmeow_device', [], DB)).toEqual([]);
    expect((await pg.query<{ kind: string }>('SELECT kind FROM wa_sim_a.sim_event_log ORDER BY seq DESC LIMIT 1', [], DB))[0]?.kind).toBe('logout');
  });

  it('connects every device it finds in the schema at boot: why two processes must never share one', async () => {
    const arbiter = await startArbiter('detect');
    const uri = await storeRole('wa_sim_two');
    const a = await start(uri, { SIM_ARBITER_URL: arbiter.url, SIM_NODE: 'n1' });
    await createPairedSlot(a, '628501', { jid: '628501' });
    await createPairedSlot(a, '628502', { jid: '628502' });
    await waitFor(async () => (await arbiter.connections()).length === 2, { what: 'both devices connected on n1' });

    // A second process on the same schema dials both devices too, while the first still holds them.
    const b = await start(uri, { SIM_ARBITER_URL: arbiter.url, SIM_NODE: 'n2' });
    await b.waitForOutput('discovered 2 device records in store', 'stderr');
    const fromB = await waitFor(async () => {
      const mine = (await arbiter.connections()).filter((c) => c.pid === b.pid);
      return mine.length === 2 ? mine : undefined;
    }, { what: 'n2 to connect both devices' });
    expect(fromB.map((c) => c.jid).sort()).toEqual(['628501@s.whatsapp.net', '628502@s.whatsapp.net']);
    expect((await devices(b)).map((d) => d.state)).toEqual(['logged_in', 'logged_in']);
    expect(await arbiter.overlaps()).toMatchObject({ count: 2, devices: 2 });
  });

  it('postgresql:// is an unknown database type: panic, exit 2', async () => {
    const run = await runSim(['rest'], { env: { DB_URI: databaseUrl(pg.port, DB).replace(/^postgres:/, 'postgresql:') } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^panic: unknown database type: postgresql:\/\//m);
  });

  it.each([
    ['nothing listens on the port', async () => `postgres://u:p@127.0.0.1:${await freePort()}/${DB}?sslmode=disable`, /connect: connection refused/],
    ['the password is wrong', async () => `${databaseUrl(pg.port, DB, 'postgres', 'wrong')}?sslmode=disable`, /pq: password authentication failed for user "postgres"/],
    ['the database does not exist', async () => `${databaseUrl(pg.port, 'nowhere')}?sslmode=disable`, /pq: database "nowhere" does not exist/],
  ])('a store that cannot be opened (%s) is a panic, exit 2', async (_what, uri, message) => {
    const run = await runSim(['rest'], { env: { DB_URI: await uri() } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^panic: failed to open database: /m);
    if (IS_STAND_IN) expect(run.stderr).toMatch(message);
    expect(run.stdout).not.toContain('Server started on');
  });

  itSim('a store it cannot reach does not echo the password of DB_URI', async () => {
    const run = await runSim(['rest'], { env: { DB_URI: `postgres://u:s3cret-pw@127.0.0.1:${await freePort()}/${DB}` } });
    expect(run.code).toBe(2);
    expect(`${run.stdout}${run.stderr}`).not.toContain('s3cret-pw');
  });
});
