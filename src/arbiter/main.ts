/**
 * Entry point of the fake WhatsApp arbiter (`bin/whatsapp-arbiter`, docs/arbiter.md): a test-only stand-in for
 * WhatsApp's servers that stand-ins connect to when `SIM_ARBITER_URL` is set. The only file that touches `process`.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs, USAGE } from './config.js';
import { Registry } from './registry.js';
import { createArbiterServer } from './server.js';

const args = parseArgs(process.argv.slice(2), process.env);
if (args.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.kind === 'error') {
  process.stderr.write(`whatsapp-arbiter: ${args.message}\n${USAGE}`);
  process.exit(2);
}
const { config } = args;
const log = (line: string): void => {
  if (!config.quiet) process.stderr.write(`whatsapp-arbiter: ${line}\n`);
};
const arbiter = createArbiterServer(new Registry(config.mode, () => performance.now()), log);
arbiter.server.on('error', (err) => {
  process.stderr.write(`whatsapp-arbiter: cannot listen: ${err.message}\n`);
  process.exit(1);
});
arbiter.server.listen(config.port, config.host, () => {
  process.stdout.write(`whatsapp-arbiter ready url=${arbiter.url()} mode=${config.mode} pid=${process.pid}\n`);
});
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log(`received ${signal}, shutting down`);
  void arbiter.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
