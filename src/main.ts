import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway, type Gateway } from './app.js';
import { ConfigError, loadConfig } from './config/load.js';
import { demoEnvironment, demoInstructions } from './demo.js';
import { createLogger } from './lib/logger.js';

/** The only file that touches process.on / process.exit. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = process.argv.includes('--demo');
const env = demo ? demoEnvironment(root, process.env) : process.env;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig(env, root);
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}

if (config.CLUSTER_MODE === 'postgres') {
  // Ownership, sessions, routing, sockets, the outbox and webhook deliveries are shared (docs/cluster.md), but the
  // conversation store is still each node's: a dead node's numbers' chats would stay on it.
  fail(
    [
      'CLUSTER_MODE=postgres: this version does not run the gateway in distributed mode yet.',
      '  Ownership, sessions, routing, sockets, the outbox and webhook deliveries are shared through Postgres (docs/cluster.md); the conversation store, the Chatwoot bridge and the audit log are not.',
      '  Run one host with CLUSTER_MODE=off (the default).',
    ].join('\n'),
  );
}

try {
  fs.accessSync(config.paths.binary, fs.constants.X_OK);
} catch {
  fail(
    [
      `The WhatsApp binary was not found at ${config.paths.binary} (WHATSAPP_BINARY).`,
      '  Install it:        scripts/install-binary.sh',
      '  Or try the gateway offline on the stand-in binary:  npm run demo',
    ].join('\n'),
  );
}

const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
const logger = createLogger(config.LOG_LEVEL);
const pidFile = path.join(config.paths.data, 'gateway.pid');
let gateway: Gateway;
try {
  gateway = await createGateway({ config, logger, env, version });
} catch (err) {
  logger.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, 'second signal during shutdown; exiting now');
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, 'shutting down: stopping children');
  try {
    await gateway.close();
    fs.rmSync(pidFile, { force: true });
    logger.info('shutdown complete');
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
// One misbehaving child or request must not take every other number down with it.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

let port: number;
try {
  port = await gateway.listen();
} catch (err) {
  logger.fatal({ err, port: config.API_PORT }, 'cannot listen on API_PORT');
  await gateway.close();
  process.exit(1);
}
fs.writeFileSync(pidFile, `${process.pid}\n`);
logger.info({ port, host: config.API_HOST, version }, 'gateway listening');
if (demo) process.stdout.write(demoInstructions(port, config.DEFAULT_ADMIN_USER, config.DEFAULT_ADMIN_PASS, path.dirname(config.paths.data)));
void gateway.restore();
