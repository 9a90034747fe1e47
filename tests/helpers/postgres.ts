/**
 * A real, private Postgres per test file: the project's own script creates a throwaway cluster in a temp folder
 * (installing Debian's server when missing) on a free port, and removes it afterwards.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import getPort from 'get-port';
import pg from 'pg';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { ROOT } from './gateway.js';

const exec = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts', 'dev', 'postgres.sh');
const PASSWORD = 'test-postgres-password';

/** First start may install the package and run initdb. */
export const POSTGRES_SETUP_TIMEOUT_MS = 240_000;

export interface TestPostgres {
  /** Superuser URL (`postgres://postgres:…@127.0.0.1:PORT/postgres`). */
  readonly url: string;
  readonly port: number;
  /** A fresh database on this cluster, for one gateway or one scenario. */
  createDatabase(name: string): Promise<string>;
  /** One query as the superuser, on the given database (default `postgres`). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and deletes its folder. */
  destroy(): Promise<void>;
}

async function script(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await exec(SCRIPT, args, { env: { ...process.env, PG_THROWAWAY: '1', ...env }, timeout: POSTGRES_SETUP_TIMEOUT_MS });
  return stdout.trim();
}

export function databaseUrl(port: number, database: string, user = 'postgres', password = PASSWORD): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** `listen`: loopback addresses besides 127.0.0.1 (a fault test cuts one node off from one of them). */
export async function startPostgres(options: { listen?: readonly string[] } = {}): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-gw-pg-'));
  const port = await getPort();
  const url = await script(['start', dir, String(port), PASSWORD], { PG_LISTEN: ['127.0.0.1', ...(options.listen ?? [])].join(',') });
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> => {
    const client = new pg.Client({ connectionString: databaseUrl(port, database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    url,
    port,
    query,
    async createDatabase(name) {
      if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) throw new Error(`bad test database name ${name}`);
      await query(`CREATE DATABASE ${name}`);
      return databaseUrl(port, name);
    },
    stop: async () => void (await script(['stop', dir])),
    start: async () => void (await script(['start', dir, String(port), PASSWORD])),
    restart: async () => void (await script(['restart', dir])),
    async destroy() {
      await script(['stop', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** This test file's Postgres: started before its tests, removed after them. */
export function postgresForFile(options: { listen?: readonly string[] } = {}): () => TestPostgres {
  let server: TestPostgres | null = null;
  beforeAll(async () => {
    server = await startPostgres(options);
  }, POSTGRES_SETUP_TIMEOUT_MS);
  afterAll(async () => server?.destroy(), POSTGRES_SETUP_TIMEOUT_MS);
  return () => {
    if (!server) throw new Error('Postgres not started');
    return server;
  };
}

/** A fresh database with the gateway's Postgres schema (drizzle-postgres/): its URL. */
export async function migratedDatabase(server: TestPostgres, name: string): Promise<string> {
  const url = await server.createDatabase(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migratePostgres(client, path.join(ROOT, 'drizzle-postgres'));
  } finally {
    await client.end();
  }
  return url;
}
