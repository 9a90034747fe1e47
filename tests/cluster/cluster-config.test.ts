import { describe, expect, it } from '@jest/globals';
import { clusterSettings } from '../../src/cluster/settings.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const SECRET = 'S3cret-Pass-77';
const CLUSTER = { CLUSTER_MODE: 'postgres', DATABASE_URL: `postgres://gw:${SECRET}@db.internal:5432/gw`, NODE_ID: 'node-1', NODE_ADVERTISE_URL: 'http://10.0.0.11:3000', CLUSTER_STORE_SECRET: 'a-cluster-store-secret-of-32-bytes-or-more' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/x');
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('distributed mode configuration', () => {
  it('is off by default: no key required, nothing built', () => {
    const config = loadConfig({}, '/x');
    expect(config.CLUSTER_MODE).toBe('off');
    expect(clusterSettings(config)).toBeNull();
    // Cluster keys set while off are not checked against each other either.
    expect(problems({ CLUSTER_LEASE_TTL: '1000', CLUSTER_FENCE_MARGIN: '5000' })).toEqual([]);
  });

  it('takes the design defaults: 3 s heartbeat, 15 s lease, 1 s claim tick, 2 s grace; capacity = port range or MAX_PROCESSES', () => {
    const settings = clusterSettings(loadConfig(CLUSTER, '/x'));
    expect(settings).toEqual({
      databaseUrl: CLUSTER.DATABASE_URL,
      nodeId: 'node-1',
      advertiseUrl: 'http://10.0.0.11:3000',
      storeSecret: CLUSTER.CLUSTER_STORE_SECRET,
      capacity: 50,
      timings: { heartbeatMs: 3000, leaseTtlMs: 15_000, claimIntervalMs: 1000, expiryGraceMs: 2000, fenceMarginMs: 5000, dbTimeoutMs: 2000, rebalanceIntervalMs: 10_000, releaseCooldownMs: 60_000 },
    });
    expect(clusterSettings(loadConfig({ ...CLUSTER, MAX_PROCESSES: '500', PROCESS_BASE_PORT: '8000', PROCESS_MAX_PORT: '8099' }, '/x'))?.capacity).toBe(100);
    expect(clusterSettings(loadConfig({ ...CLUSTER, NODE_CAPACITY: '7' }, '/x'))?.capacity).toBe(7);
    expect(loadConfig({ ...CLUSTER, DATABASE_URL: 'postgresql://gw@db/gw' }, '/x').DATABASE_URL).toBe('postgresql://gw@db/gw');
  });

  it.each([
    { what: 'the required keys missing', env: { CLUSTER_MODE: 'postgres' }, expected: ['DATABASE_URL: required with CLUSTER_MODE=postgres', 'NODE_ID: required with CLUSTER_MODE=postgres', 'NODE_ADVERTISE_URL: required with CLUSTER_MODE=postgres', 'CLUSTER_STORE_SECRET: required with CLUSTER_MODE=postgres'] },
    { what: 'an unknown mode', env: { CLUSTER_MODE: 'redis' }, expected: [expect.stringMatching(/^CLUSTER_MODE: /)] },
    { what: 'a DATABASE_URL of another engine', env: { ...CLUSTER, DATABASE_URL: `mysql://gw:${SECRET}@db/gw` }, expected: ['DATABASE_URL: must be a postgres:// or postgresql:// URL', 'DATABASE_URL: required with CLUSTER_MODE=postgres'] },
    { what: 'a NODE_ID with capitals', env: { ...CLUSTER, NODE_ID: 'Node_1' }, expected: [expect.stringMatching(/^NODE_ID: lower-case letters, digits and -/), 'NODE_ID: required with CLUSTER_MODE=postgres'] },
    { what: 'a NODE_ID of 64 characters', env: { ...CLUSTER, NODE_ID: 'a'.repeat(64) }, expected: [expect.stringMatching(/^NODE_ID: /), 'NODE_ID: required with CLUSTER_MODE=postgres'] },
    { what: 'a NODE_ID starting with -', env: { ...CLUSTER, NODE_ID: '-node' }, expected: [expect.stringMatching(/^NODE_ID: /), 'NODE_ID: required with CLUSTER_MODE=postgres'] },
    { what: 'an advertise URL that is not http(s)', env: { ...CLUSTER, NODE_ADVERTISE_URL: 'ftp://10.0.0.11' }, expected: ['NODE_ADVERTISE_URL: must be an http(s) URL', 'NODE_ADVERTISE_URL: required with CLUSTER_MODE=postgres'] },
    { what: 'a store secret shorter than 32 characters', env: { ...CLUSTER, CLUSTER_STORE_SECRET: 'short-secret' }, expected: ['CLUSTER_STORE_SECRET: at least 32 characters', 'CLUSTER_STORE_SECRET: required with CLUSTER_MODE=postgres'] },
    { what: 'a capacity of 0', env: { ...CLUSTER, NODE_CAPACITY: '0' }, expected: ['NODE_CAPACITY: must be a positive integer'] },
    { what: 'a capacity above the port range', env: { ...CLUSTER, NODE_CAPACITY: '2000' }, expected: ['NODE_CAPACITY: must not exceed the child port range (1000 ports)'] },
    { what: 'a fence margin as long as the lease', env: { ...CLUSTER, CLUSTER_LEASE_TTL: '5000', CLUSTER_FENCE_MARGIN: '5000' }, expected: ['CLUSTER_FENCE_MARGIN: must be shorter than CLUSTER_LEASE_TTL'] },
    { what: 'room for only one renewal before the fence', env: { ...CLUSTER, CLUSTER_LEASE_TTL: '8000', CLUSTER_FENCE_MARGIN: '5000', CLUSTER_HEARTBEAT_INTERVAL: '2000' }, expected: [expect.stringMatching(/^CLUSTER_HEARTBEAT_INTERVAL: at most half/)] },
    { what: 'a query limit as long as the heartbeat', env: { ...CLUSTER, CLUSTER_DB_TIMEOUT: '3000' }, expected: ['CLUSTER_DB_TIMEOUT: must be shorter than CLUSTER_HEARTBEAT_INTERVAL'] },
    { what: 'a child watchdog slower than the lease allows', env: { ...CLUSTER, CHILD_WATCHDOG_TIMEOUT: '8' }, expected: ['CHILD_WATCHDOG_TIMEOUT: at most (CLUSTER_LEASE_TTL − CLUSTER_FENCE_MARGIN − CLUSTER_HEARTBEAT_INTERVAL) = 7 s, so a paused node\'s children are dead before its numbers can be taken over'] },
    { what: 'a lease in seconds by mistake', env: { ...CLUSTER, CLUSTER_LEASE_TTL: '15' }, expected: [expect.stringMatching(/^CLUSTER_LEASE_TTL: /)] },
  ])('refuses $what, naming the key and never the value', ({ env, expected }) => {
    const found = problems(env);
    expect(found).toEqual(expect.arrayContaining(expected));
    expect(found.join('\n')).not.toContain(SECRET);
  });
});
