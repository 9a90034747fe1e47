/**
 * A cluster member without children: distributed mode's ownership core (membership + claim loop + fenced writes)
 * as its own process, for the fault tests and the cluster bench. Configured by the gateway's own env keys
 * (CLUSTER_MODE=postgres, DATABASE_URL, NODE_ID, CLUSTER_* …) plus:
 *   MEMBER_GOWA_VERSION    the binary version it claims to run (default 9.2.0)
 *   MEMBER_WRITE_INTERVAL  ms between sweeps that write one fenced heartbeat row per owned number (default 300)
 *   MEMBER_RAISE_VERSION   1: on taking a number over, record that its store was opened by this version (DM-11)
 *   MEMBER_STALE_WRITES    after losing a number, keep trying this many writes with the old fence (a component
 *                          that did not hear of the loss), each of which the database must refuse
 * Prints one JSON line per event on stdout; SIGTERM drains (hands every number over) and exits 0; SIGUSR2 prints a
 * `clock` line (its `t` is the member's own wall clock, which the clock-jump test moves).
 *   node dist/bench/cluster/member.js
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClusterModule, ClusterNodeApi, ConfigModule, LoggerModule } from './gateway-api.js';
import { INSERT_MEMBER_WRITE } from './writes.js';
import { jsonLines } from './json-lines.js';
import { serveIfAsked } from './serve-if-asked.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const load = async <T>(relative: string): Promise<T> => (await import(pathToFileURL(path.join(ROOT, 'dist', relative)).href)) as T;

const env = process.env;
const nodeId = env['NODE_ID'] ?? '?';
const version = env['MEMBER_GOWA_VERSION'] ?? '9.2.0';
const writeInterval = Number(env['MEMBER_WRITE_INTERVAL'] ?? '300');
const staleWrites = Number(env['MEMBER_STALE_WRITES'] ?? '0');
const raiseVersion = env['MEMBER_RAISE_VERSION'] === '1';

const { say, fail } = jsonLines(nodeId, 'MEMBER_FAILED');

async function main(): Promise<void> {
  const [{ loadConfig }, cluster, { createLogger }] = await Promise.all([load<ConfigModule>('config/load.js'), load<ClusterModule>('cluster/index.js'), load<LoggerModule>('lib/logger.js')]);
  const config = loadConfig(env, ROOT);
  const settings = cluster.clusterSettings(config as never);
  if (!settings) throw new Error('CLUSTER_MODE=postgres is needed');
  const logger = createLogger((env['LOG_LEVEL'] as 'warn' | undefined) ?? 'warn', process.stderr);
  const node = await cluster.startClusterNode({ settings: settings as never, gowaVersion: version, migrationsFolder: path.join(ROOT, 'drizzle-postgres'), logger: logger as never });
  report(node);
  const web = await serveIfAsked(env, ROOT, node, settings, logger);
  const stale = new Map<string, { fence: number; left: number }>();
  node.ownership.events.on('lost', (e) => {
    if (staleWrites > 0) stale.set(e.phoneNumber, { fence: e.fence, left: staleWrites });
  });
  if (raiseVersion) {
    node.ownership.events.on('acquired', (e) => {
      node.ownership.noteStoreVersion(e.phoneNumber, e.fence, version).catch(() => undefined);
    });
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void web?.close();
    node.drain().then(
      () => {
        say('drained');
        process.exit(0);
      },
      (err: unknown) => fail(err),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGUSR2', () => say('clock'));
  node.membership.events.on('conflict', (e) => fail(e.error));
  say('ready');
  for (;;) {
    if (!stopping) await sweep(node, cluster, stale);
    await new Promise((resolve) => setTimeout(resolve, writeInterval));
  }
}

function report(node: ClusterNodeApi): void {
  node.membership.events.on('joined', (e) => say('joined', e));
  node.membership.events.on('fenced', (e) => say('fenced', e));
  node.ownership.events.on('acquired', (e) => say('acquired', { number: e.phoneNumber, fence: e.fence }));
  node.ownership.events.on('lost', (e) => say('lost', { number: e.phoneNumber, fence: e.fence, reason: e.reason }));
  node.ownership.events.on('released', (e) => say('released', { number: e.phoneNumber, fence: e.fence, reason: e.reason }));
  node.ownership.events.on('changed', (e) => {
    if (e.to === 'releasing') say('releasing', { number: e.phoneNumber, fence: e.fence });
  });
}

/** One fenced heartbeat row per owned number, then the stale attempts for numbers already lost. */
async function sweep(node: ClusterNodeApi, cluster: ClusterModule, stale: Map<string, { fence: number; left: number }>): Promise<void> {
  const write = async (phoneNumber: string, fence: number): Promise<'ok' | 'rejected' | 'failed'> => {
    try {
      await node.ownership.withFence(phoneNumber, fence, (client) => client.query(INSERT_MEMBER_WRITE, [phoneNumber, nodeId, fence]));
      return 'ok';
    } catch (err) {
      if (cluster.isClusterError(err, 'CLUSTER_OWNERSHIP_LOST')) {
        say('write-rejected', { number: phoneNumber, fence });
        return 'rejected';
      }
      return 'failed';
    }
  };
  for (const [phoneNumber, entry] of [...node.ownership.held()]) if (entry.kind === 'owned') await write(phoneNumber, entry.fence);
  for (const [phoneNumber, attempt] of [...stale]) {
    if ((await write(phoneNumber, attempt.fence)) === 'ok') say('stale-write-accepted', { number: phoneNumber, fence: attempt.fence });
    if (--attempt.left <= 0) stale.delete(phoneNumber);
  }
}

main().catch(fail);
