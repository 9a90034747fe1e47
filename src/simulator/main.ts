/**
 * Entry point of the stand-in for the go-whatsapp-web-multidevice binary (`whatsapp-sim rest [flags]`).
 * Start-up follows the binary's order (docs/binary-contract.md §3): settings map on stdout → folders → chat
 * storage → session store (DB_URI: SQLite or Postgres) → config checks → device slots → routes → listen → banner;
 * SIGTERM/SIGINT shut down cleanly.
 * This is the only file that touches `process`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createApp, type App } from './app.js';
import { banner, serverUrl } from './banner.js';
import { helpText, usage } from './cli/help.js';
import { parseArgs, type FlagValue } from './cli/parse-args.js';
import { buildConfig, ConfigError, resolveSettings, sessionDbPath, type SimConfig } from './config/config.js';
import { goSettingsMap, parseDotenv } from './config/dotenv.js';
import { createLogger, type Logger } from './lib/logger.js';
import { ArbiterLink } from './realtime/arbiter-link.js';
import { openChatStorage, type Db } from './store/db.js';
import { StoreOpenError, type SessionStore } from './store/session-store.js';
import { SqliteSessionStore } from './store/sqlite-session-store.js';

const SHUTDOWN_GRACE_MS = 15_000;
const FOLDERS = ['statics/qrcode', 'statics/senditems', 'statics/media', 'storages', 'storages/ui'];

function exitNow(code: number, stderrText = ''): never {
  if (stderrText) process.stderr.write(stderrText);
  process.exit(code);
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  if (cli.kind === 'help') {
    process.stdout.write(helpText(cli.command));
    exitNow(0);
  }
  if (cli.kind === 'error') {
    const hint = cli.flagError ? usage(cli.command) : "Run 'whatsapp --help' for usage.\n";
    exitNow(1, `Error: ${cli.message}\n${hint}`);
  }
  const dotenv = existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : new Map<string, string>();
  process.stdout.write(`${goSettingsMap(dotenv)}\n`);
  // Real environment beats ./.env.
  const env = new Map(dotenv);
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env.set(key, value);
  const settings = resolveSettings(cli.values, env);
  const logger = createLogger((line) => process.stderr.write(line));
  const fatal = (msg: string): never => exitNow(1, logger.line('fatal', msg));

  for (const folder of FOLDERS) mkdirSync(folder, { recursive: true });
  let chatDb: Db;
  try {
    chatDb = openChatStorage('storages/chatstorage.db');
  } catch (err) {
    return fatal(`failed to open chat storage: ${(err as Error).message}`);
  }
  const sessions = await openSessionStore(settings, logger);
  let config: SimConfig;
  try {
    config = buildConfig(settings, env);
  } catch (err) {
    if (err instanceof ConfigError) return fatal(err.message);
    throw err;
  }
  const link = config.arbiter
    ? new ArbiterLink({ ...config.arbiter, pid: process.pid }, logger, (adJid) =>
      exitNow(0, logger.line('warning', `stream replaced: the session of ${adJid} was opened elsewhere, exiting`)))
    : undefined;
  const app = createApp({
    config,
    logger,
    chatDb,
    sessions,
    link,
    staticsDir: resolve('statics'),
    storagesDir: resolve('storages'),
    exit: exitNow,
    requestLog: config.debug ? (ctx, startedAt) => process.stdout.write(
      `${new Date().toISOString().slice(11, 19)} | ${ctx.res.statusCode} | ${Date.now() - startedAt}ms | ` +
      `${ctx.req.socket.remoteAddress ?? '-'} | ${ctx.method} | ${ctx.path} | -\n`) : undefined,
  });
  try {
    await app.services.devices.load();
  } catch (err) {
    // GOWA's LoadExistingDevices reads the store during the same init step that panics when the store fails.
    return panic(`failed to load devices: ${(err as Error).message}`);
  }
  logger.info('presence pulse scheduler started; interval=24h0m0s duration=5m0s');
  if (config.uiEnabled && config.uiAutoUpdate) {
    // What the binary logs offline; the stand-in never downloads the dashboard.
    logger.warn('[UI_ASSET] initial dashboard download failed: the stand-in is offline; serving the fallback page');
  }
  listen(app, config, logger, async () => {
    await link?.closeAll(1000);
    chatDb.close();
    await sessions.close();
  });
}

/** A Go panic: exit 2 with its trace on stderr (text from reading the binary's InitWaDB; wording unconfirmed). */
function panic(message: string): never {
  return exitNow(2, `panic: ${message}\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/src/main.go\n`);
}

/**
 * Step 2 of the binary's start-up: `file:` opens SQLite, `postgres:` (that prefix only: `postgresql://` is an
 * unknown type) connects to Postgres and creates the tables in the role's default schema; anything else, and
 * any store that cannot be opened (refused, unreachable, wrong password, missing database), is a panic (exit 2).
 * Wording of the Postgres failures is unconfirmed (lib/pq's error text after "failed to open database").
 */
async function openSessionStore(settings: Map<string, FlagValue>, logger: Logger): Promise<SessionStore> {
  const dbUri = String(settings.get('DB_URI') ?? '');
  try {
    if (dbUri.startsWith('postgres:')) {
      // Loaded only here: SQLite stand-ins (almost all of them) do not pay for the driver at start-up.
      const { PgSessionStore } = await import('./store/pg-session-store.js');
      return await PgSessionStore.open(dbUri, process.pid, logger);
    }
    if (!dbUri.startsWith('file:')) {
      return panic(`unknown database type: ${dbUri}. Currently only sqlite3(file:) and postgres are supported`);
    }
    return new SqliteSessionStore(sessionDbPath(dbUri));
  } catch (err) {
    if (err instanceof StoreOpenError || dbUri.startsWith('file:')) return panic(`failed to open database: ${(err as Error).message}`);
    throw err;
  }
}

function listen(app: App, config: SimConfig, logger: Logger, closeStores: () => Promise<void>): void {
  const server = createServer({ requestTimeout: 0 });
  server.on('request', app.handlers.onRequest);
  server.on('upgrade', app.handlers.onUpgrade);
  const shown = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  if (!/^\d{1,5}$/.test(config.port) || Number(config.port) > 65535) {
    exitNow(1, logger.line('fatal', `Failed to start: listen tcp: address ${shown}: invalid port`));
  }
  // Go binds the wildcard address dual-stack; Node needs `::` for that, with `0.0.0.0` as the IPv4-only fallback.
  const bindHost = config.host === '0.0.0.0' || config.host === '' ? '::' : config.host;
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (bindHost === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) {
      server.listen(Number(config.port), '0.0.0.0');
      return;
    }
    const reason = err.code === 'EADDRINUSE' ? 'bind: address already in use'
      : err.code === 'EACCES' ? 'bind: permission denied' : err.message;
    exitNow(1, logger.line('fatal', `Failed to start: listen tcp ${shown}: ${reason}`));
  });
  server.on('listening', () => {
    const autoConnect = app.services.login.scheduleAutoConnect(config.knobs.autoconnectDelayMs);
    // Installed before the ready line: a supervisor may signal the moment it reads it.
    onSignal = gracefulShutdown(server, app, logger, () => {
      clearTimeout(autoConnect);
      return closeStores();
    });
    const url = serverUrl(server.address() as AddressInfo, config.host || '0.0.0.0');
    process.stdout.write(banner(url, app.handlerCount, process.pid));
  });
  server.listen(Number(config.port), bindHost);
}

/**
 * v8.8.0+: SIGINT/SIGTERM → log, stop HTTP (up to 15 s), close the databases, exit 0; later signals are
 * swallowed. A process hung by /_sim/hang ignores them too, so only SIGKILL ends it (a gateway's stop
 * escalation can be tested that way).
 */
function gracefulShutdown(server: Server, app: App, logger: Logger, closeStores: () => Promise<void>): (name: string) => void {
  let stopping = false;
  return (name) => {
    if (app.services.control.hung) {
      logger.warn(`Received ${name} while hung — ignored`);
      return;
    }
    if (stopping) return;
    stopping = true;
    logger.info(`Received ${name} — shutting down`);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      void closeStores().finally(() => exitNow(0));
    };
    app.services.hub.closeAll();
    server.close(finish);
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      finish();
    }, SHUTDOWN_GRACE_MS).unref();
  };
}

/** What SIGTERM/SIGINT do; until the server listens there is nothing to drain, so the process just ends. */
let onSignal = (name: string): void => {
  process.stderr.write(createLogger(() => undefined).line('info', `Received ${name} — shutting down`));
  exitNow(0);
};
process.on('SIGTERM', () => onSignal('terminated'));
process.on('SIGINT', () => onSignal('interrupt'));

main().catch((err: unknown) => panic((err as Error).message));
