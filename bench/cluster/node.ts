/**
 * A cluster node with real children: distributed mode's ownership core + a Supervisor with its own throwaway local
 * data folder + the node agent, so each number this node owns runs its binary (the stand-in) on the number's
 * fenced Postgres session store. For the fault tests and the cluster bench. Configured by the gateway's own env
 * keys (CLUSTER_MODE=postgres, DATABASE_URL, NODE_ID, CLUSTER_*, WHATSAPP_BINARY, SESSIONS_DIR, DATA_DIR,
 * PROCESS_BASE_PORT/PROCESS_MAX_PORT, MAX_PROCESSES, RESTORE_CONCURRENCY, HANDOFF_CONCURRENCY, …; SIM_* pass
 * through to the children) plus:
 *   CLUSTER_STORE_SECRET  the session stores' password secret, at least 32 bytes, the same on every node (checked by the config)
 *   NODE_PAIR           1: a child whose store holds no session yet is paired through the stand-in's test
 *                       controls (GET /app/login, POST /_sim/pair with the number as JID); after a move the
 *                       session is in the store and the new child reconnects by itself
 * Prints one JSON line per event on stdout (ready, joined, fenced, acquired, lost, released, child-ready, paired,
 * child-exited, child-state, drained, error); SIGTERM drains (children stopped, numbers handed over) and exits 0.
 *   node dist/bench/cluster/node.js
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import type { ClusterModule, ClusterNodeApi, ConfigModule, LoggerModule } from './gateway-api.js';
import type { AgentApi, AgentClusterModule, ClockModule, DbModule, DeviceEventsModule, DevicesModule, DirectoryModule, PortPoolModule, SqlitePortsModule, SupervisorApi, SupervisorModule, SupervisorSettingsModule } from './node-api.js';
import { jsonLines } from './json-lines.js';
import { serveIfAsked } from './serve-if-asked.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const load = async <T>(relative: string): Promise<T> => (await import(pathToFileURL(path.join(ROOT, 'dist', relative)).href)) as T;

const env = process.env;
const nodeId = env['NODE_ID'] ?? '?';
const VERSION = '9.2.0';

/** The validated config fields this program reads (loadConfig's result). */
interface NodeConfig {
  readonly paths: { readonly database: string };
  readonly DATABASE_URL: string;
  readonly RESTORE_CONCURRENCY: number;
  readonly RESTORE_JITTER: number;
  readonly HANDOFF_CONCURRENCY: number;
  readonly PROCESS_BASE_PORT: number;
  readonly PROCESS_MAX_PORT: number;
}

const { say, fail } = jsonLines(nodeId, 'NODE_FAILED');

async function main(): Promise<void> {
  const [{ loadConfig }, base, cluster, { createLogger }, { Supervisor }, { supervisorSettingsFrom, restartPolicyFrom }, { PortPool }, { openDatabase }, { DeviceRepository }, { DeviceEventRepository }, ports, { DeviceDirectory }, { systemClock }] = await Promise.all([
    load<ConfigModule>('config/load.js'),
    load<ClusterModule>('cluster/index.js'),
    load<AgentClusterModule>('cluster/index.js'),
    load<LoggerModule>('lib/logger.js'),
    load<SupervisorModule>('supervisor/supervisor.js'),
    load<SupervisorSettingsModule>('supervisor/settings-from-config.js'),
    load<PortPoolModule>('supervisor/port-pool.js'),
    load<DbModule>('db/client.js'),
    load<DevicesModule>('db/repositories/devices.js'),
    load<DeviceEventsModule>('db/repositories/device-events.js'),
    load<SqlitePortsModule>('db/repositories/sqlite-ports.js'),
    load<DirectoryModule>('db/device-directory.js'),
    load<ClockModule>('lib/clock.js'),
  ]);
  const config = loadConfig(env, ROOT) as NodeConfig;
  const settings = base.clusterSettings(config as never);
  if (!settings) throw new Error('CLUSTER_MODE=postgres is needed');
  const secret = env['CLUSTER_STORE_SECRET'] ?? '';
  const logger = createLogger((env['LOG_LEVEL'] as 'warn' | undefined) ?? 'warn', process.stderr);

  // The node's local state (device rows, child folders) is its own and throwaway; the session moves in Postgres.
  const database = openDatabase(config.paths.database, path.join(ROOT, 'drizzle'));
  const deviceRows = new DeviceRepository(database.db as never);
  const devices = await DeviceDirectory.load({ devices: ports.sqliteDeviceStore(deviceRows as never, database.db as never), numberKeys: ports.sqliteNumberKeys(deviceRows as never) } as never, systemClock as never);
  const storeUris = new Map<string, string>();
  let agentRef: AgentApi | null = null;
  const supervisor = new Supervisor({
    // No gateway API here: the children's webhooks are not part of what this node measures.
    settings: supervisorSettingsFrom(config as never, () => ''),
    policy: restartPolicyFrom(config as never),
    devices,
    history: ports.sqliteDeviceEventStore(new DeviceEventRepository(database.db as never) as never),
    ports: new PortPool(config.PROCESS_BASE_PORT, config.PROCESS_MAX_PORT),
    clock: systemClock,
    logger,
    env,
    storeUriFor: (phoneNumber: string) => storeUris.get(phoneNumber),
    mayRestart: (phoneNumber: string) => agentRef?.mayRun(phoneNumber) ?? false,
  } as never);

  const admin = new pg.Pool({ connectionString: config.DATABASE_URL, max: 3, application_name: `wa-gw:${nodeId}:stores` });
  admin.on('error', () => undefined);
  const stores = new cluster.SessionStores({ admin, secret, target: cluster.SessionStores.targetFromUrl(config.DATABASE_URL) } as never);
  const agent = new cluster.NodeAgent({ children: supervisor, stores, storeUris, startConcurrency: config.RESTORE_CONCURRENCY, startJitterMs: config.RESTORE_JITTER, handoffConcurrency: config.HANDOFF_CONCURRENCY, logger } as never);
  agentRef = agent;
  const node = await cluster.startClusterNode({ settings: settings as never, gowaVersion: VERSION, migrationsFolder: path.join(ROOT, 'drizzle-postgres'), logger: logger as never, hooks: agent.hooks as never });
  agent.attach(node as never);
  report(node, supervisor);
  const web = await serveIfAsked(env, ROOT, node, settings, logger);
  if (env['NODE_PAIR'] === '1') pairFresh(supervisor, stores);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void web?.close();
    node
      .drain()
      .then(async () => {
        await supervisor.shutdown();
        await admin.end();
        await devices.recorded();
        database.close();
        say('drained');
        process.exit(0);
      })
      .catch((err: unknown) => fail(err));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  node.membership.events.on('conflict', (e) => fail(e.error));
  say('ready');
}

function report(node: ClusterNodeApi, supervisor: SupervisorApi): void {
  node.membership.events.on('joined', (e) => say('joined', e));
  node.membership.events.on('fenced', (e) => say('fenced', e));
  node.ownership.events.on('acquired', (e) => say('acquired', { number: e.phoneNumber, fence: e.fence }));
  node.ownership.events.on('lost', (e) => say('lost', { number: e.phoneNumber, fence: e.fence, reason: e.reason }));
  node.ownership.events.on('released', (e) => say('released', { number: e.phoneNumber, fence: e.fence, reason: e.reason }));
  supervisor.events.on('ready', (e) => say('child-ready', { number: e.phoneNumber, port: e.port, pid: supervisor.runner(e.phoneNumber)?.pid ?? null }));
  supervisor.events.on('exited', (e) => say('child-exited', { number: e.phoneNumber, code: e.code, signal: e.signal, expected: e.expected }));
  supervisor.events.on('state', (e) => say('child-state', { number: e.phoneNumber, from: e.from, to: e.to, reason: e.reason }));
  supervisor.events.on('watchdog-fired', (e) => say('watchdog-fired', { quietMs: e.quietMs, killed: e.killedPids }));
}

/** A number seen for the first time has no session in its store: pair it as its phone would (stand-in only). */
function pairFresh(supervisor: SupervisorApi, stores: { hasSession(numberKey: string): Promise<boolean> }): void {
  supervisor.events.on('ready', (e) => {
    void (async () => {
      if (await stores.hasSession(e.phoneNumber)) return;
      await e.client.request('GET', '/app/login');
      await e.client.request('POST', '/_sim/pair', { body: { jid: e.phoneNumber } });
      say('paired', { number: e.phoneNumber });
    })().catch((err: unknown) => say('pair-failed', { number: e.phoneNumber, message: err instanceof Error ? err.message : String(err) }));
  });
}

main().catch(fail);
