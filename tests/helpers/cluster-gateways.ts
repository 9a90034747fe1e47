/**
 * Gateways in distributed mode for one test: each node on a fixed port of the worker's range (its advertise URL is
 * where the others forward calls to) with its own share of the child ports, the fast cluster timings, and the
 * data removed after the test.
 */
import fs from 'node:fs';
import { afterEach } from '@jest/globals';
import { FAST } from './cluster-members.js';
import { startTestGateway, workerPortRange, type TestGateway } from './gateway.js';

export const STORE_SECRET = 'a-cluster-store-secret-of-32-bytes-or-more';

/** Node `n<index + 1>`: API on base + 120 + index, children on 40 ports of its own. */
export function clusterNodeEnv(url: string, index: number, extra: Record<string, string> = {}): Record<string, string> {
  const { base } = workerPortRange();
  const api = base + 120 + index;
  return {
    ...FAST,
    CLUSTER_MODE: 'postgres',
    DATABASE_URL: url,
    NODE_ID: `n${index + 1}`,
    API_PORT: String(api),
    NODE_ADVERTISE_URL: `http://127.0.0.1:${api}`,
    CLUSTER_STORE_SECRET: STORE_SECRET,
    PROCESS_BASE_PORT: String(base + index * 40),
    PROCESS_MAX_PORT: String(base + index * 40 + 39),
    ...extra,
  };
}

/** Starts nodes of one cluster; every one still open is closed after each test, the newest first. */
export function clusterGateways(): { node(url: string, index: number, extra?: Record<string, string>): Promise<TestGateway>; close(gw: TestGateway): Promise<void> } {
  const open: TestGateway[] = [];
  const close = async (gw: TestGateway): Promise<void> => {
    open.splice(open.indexOf(gw), 1);
    await gw.close();
    fs.rmSync(gw.dataRoot, { recursive: true, force: true });
  };
  afterEach(async () => {
    for (const gw of [...open].reverse()) await close(gw);
  });
  return {
    async node(url, index, extra = {}) {
      const gw = await startTestGateway({ env: clusterNodeEnv(url, index, extra) });
      open.push(gw);
      return gw;
    },
    close,
  };
}
