import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { databaseUrl, POSTGRES_SETUP_TIMEOUT_MS, startPostgres, type TestPostgres } from '../helpers/postgres.js';

/** The distributed mode's tests stand on this: a private cluster that needs a password over TCP and survives restarts. */
describe('scripts/dev/postgres.sh', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);

  it('keeps committed rows across a restart', async () => {
    const url = await server.createDatabase('rig_restart');
    expect(url).toContain(`127.0.0.1:${server.port}/rig_restart`);
    await server.query('CREATE TABLE kept (v int)', [], 'rig_restart');
    await server.query('INSERT INTO kept VALUES (7)', [], 'rig_restart');
    await server.restart();
    expect(await server.query('SELECT v FROM kept', [], 'rig_restart')).toEqual([{ v: 7 }]);
  }, POSTGRES_SETUP_TIMEOUT_MS);

  it('refuses a wrong password over TCP', async () => {
    const client = new pg.Client({ connectionString: databaseUrl(server.port, 'postgres', 'postgres', 'wrong') });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('stops and starts on the same port', async () => {
    await server.stop();
    await expect(server.query('SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await server.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  }, POSTGRES_SETUP_TIMEOUT_MS);
});
