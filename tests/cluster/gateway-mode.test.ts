import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot, ROOT, testEnv } from '../helpers/gateway.js';

const exec = promisify(execFile);
const dataRoot = makeDataRoot();
afterAll(() => fs.rmSync(dataRoot, { recursive: true, force: true }));

async function boot(overrides: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const env = testEnv(dataRoot, overrides);
  try {
    await exec(process.execPath, [path.join(ROOT, 'dist', 'main.js')], { cwd: ROOT, env, timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const failed = err as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

// CHILD_WATCHDOG_TIMEOUT back at its default: the test rig's longer one does not fit the default lease (7 s at most).
const CLUSTER = { CLUSTER_MODE: 'postgres', DATABASE_URL: 'postgres://gw:hunter2-secret@127.0.0.1:1/gw', NODE_ID: 'n1', NODE_ADVERTISE_URL: 'http://127.0.0.1:3001', CLUSTER_STORE_SECRET: 'a-cluster-store-secret-of-32-bytes-or-more', CHILD_WATCHDOG_TIMEOUT: '5' };

describe('the gateway with CLUSTER_MODE=postgres', () => {
  it.each([
    ['every key given', CLUSTER, /does not run the gateway in distributed mode yet/],
    ['DATABASE_URL missing', { ...CLUSTER, DATABASE_URL: '' }, /DATABASE_URL: required with CLUSTER_MODE=postgres/],
    ['a bad NODE_ID', { ...CLUSTER, NODE_ID: 'Node 1' }, /NODE_ID/],
  ])('refuses to start, saying why (%s), never echoing the password', async (_case, overrides, said) => {
    const { code, stderr } = await boot(overrides);
    expect(code).toBe(1);
    expect(stderr).toMatch(said);
    expect(stderr).not.toContain('hunter2-secret');
  }, 30_000);
});
