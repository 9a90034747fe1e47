/**
 * Entry point of the fake Chatwoot (`bin/chatwoot-fake`): read flags and environment, load the state file
 * or the seed, listen on the API, control and storage ports, print the ready line, stop cleanly on
 * SIGTERM/SIGINT. The only file that touches `process`.
 */
import { createApp } from './app.js';
import { buildConfig, ConfigError, parseArgs, USAGE, type FakeConfig } from './config/config.js';
import { createLogger } from './lib/logger.js';
import { systemClock } from './lib/time.js';
import { stateFromSeed } from './store/seed-state.js';
import { StateFile } from './store/snapshot.js';
import type { State } from './store/state.js';

function fail(message: string, code = 1): never {
  process.stderr.write(`chatwoot-fake: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.kind === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (args.kind === 'error') fail(`${args.message}\n${USAGE}`, 2);
  let config: FakeConfig;
  try {
    config = buildConfig(process.env, args.overrides, args.quiet);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger = createLogger((line) => process.stderr.write(line), config.quiet);
  const file = config.stateFile ? new StateFile(config.stateFile) : null;
  let state: State;
  try {
    state = file?.exists() ? file.load() : stateFromSeed(config.seed, systemClock());
  } catch (err) {
    return fail(`state file ${config.stateFile ?? ''}: ${(err as Error).message}`);
  }
  const app = createApp({ config, logger, state, stateFile: file, now: systemClock });
  try {
    await app.start();
  } catch (err) {
    return fail(`cannot listen: ${(err as Error).message}`);
  }
  app.services.store.save();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, shutting down`);
    const forced = setTimeout(() => process.exit(0), 10_000);
    forced.unref();
    void app.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const a = app.addresses();
  process.stdout.write(`fake-chatwoot ${config.version.text} ready api=${a.api} control=${a.control} storage=${a.storage} frontend=${a.frontend} pid=${process.pid}\n`);
}

void main();
