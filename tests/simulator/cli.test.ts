/**
 * Invocation (docs/binary-contract.md §1–3): help, CLI errors, config precedence, start-up output, folders, exit
 * codes for bad config, port in use and signals.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { cleanupSims, freePort, IS_STAND_IN, makeTempDir, runSim, startSim, type Envelope } from '../helpers/sim-process.js';

const itSim = IS_STAND_IN ? it : it.skip;

afterAll(cleanupSims);

describe('help and CLI errors', () => {
  it.each([[['--help']], [[]], [['rest', '--help']], [['help']]])('%j prints help, exits 0 and creates nothing', async (args) => {
    const run = await runSim(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage:');
    expect(readdirSync(run.cwd)).toEqual([]);
  });

  it('an unknown flag is an error with usage on stderr, exit 1', async () => {
    const run = await runSim(['rest', '--no-such-flag']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Error: unknown flag: --no-such-flag\n/);
    expect(run.stderr).toContain('Usage:');
    expect(readdirSync(run.cwd)).toEqual([]);
  });

  it('an unknown subcommand is an error, exit 1', async () => {
    const run = await runSim(['serve']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Error: unknown command "serve"/);
  });

  it('a non-boolean value for a boolean flag is an error, exit 1', async () => {
    const run = await runSim(['rest', '--debug=maybe']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('invalid argument "maybe"');
  });
});

describe('fatal configuration', () => {
  it('an APP_BASIC_AUTH entry without exactly one ":" is fatal, exit 1', async () => {
    const run = await runSim(['rest'], { env: { APP_BASIC_AUTH: 'user:pass,broken' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/level=fatal msg=/);
  });

  it('a DB_URI that is neither file: nor postgres: panics, exit 2', async () => {
    const run = await runSim(['rest'], { env: { DB_URI: 'mysql://x' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^panic: /m);
  });

  itSim('a postgres DB_URI nobody answers on panics, exit 2 (tests/simulator/postgres-store.test.ts has the rest)', async () => {
    const port = await freePort();
    const run = await runSim(['rest'], { env: { DB_URI: `postgres://u:p@127.0.0.1:${port}/db?sslmode=disable` } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`panic: failed to open database: dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });

  it('a port in use is fatal, exit 1', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await runSim(['rest'], { port });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`level=fatal msg="Failed to start: listen tcp 127.0.0.1:${port}: bind: address already in use"`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('start-up output and folders', () => {
  it('prints the settings map, the banner and the ready line, logs logrus lines, creates the folders', async () => {
    const sim = await startSim();
    const lines = sim.stdout.split('\n');
    expect(lines[0]).toBe('map[]');
    expect(sim.stdout).toContain(`INFO Server started on: \thttp://127.0.0.1:${sim.port}`);
    await sim.waitForOutput(`INFO PID: \t\t${sim.pid}`);
    expect(sim.stdout).toMatch(/INFO Total handlers: \t\d+/);
    expect(sim.stdout).toContain('INFO Prefork: \t\tDisabled');
    for (const line of sim.stderr.trim().split('\n')) {
      expect(line).toMatch(/^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=\w+ msg=/);
    }
    for (const folder of ['statics/qrcode', 'statics/media', 'statics/senditems', 'storages', 'storages/ui']) {
      expect(existsSync(join(sim.cwd, folder))).toBe(true);
    }
    expect(existsSync(join(sim.cwd, 'storages/chatstorage.db'))).toBe(true);
    await sim.stop();
  });

  it('binds the default host dual-stack and shows it as [::]', async () => {
    const sim = await startSim({ env: { APP_HOST: undefined } });
    expect(sim.stdout).toContain(`INFO Server started on: \thttp://[::]:${sim.port}`);
    expect((await sim.api('GET', '/health')).text).toBe('OK');
    await sim.stop();
  });
});

describe('configuration precedence', () => {
  it('reads ./.env from the working directory and prints its keys', async () => {
    const port = await freePort();
    const sim = await startSim({ port: 1, env: { APP_PORT: undefined }, dotenv: `APP_PORT=${port}\nAPP_OS="Dotenv OS"\n` });
    expect(sim.stdout.split('\n')[0]).toBe(`map[app_os:Dotenv OS app_port:${port}]`);
    expect(sim.stdout).toContain(`http://127.0.0.1:${port}`);
    const info = await fetch(`http://127.0.0.1:${port}/app/info`).then((r) => r.json() as Promise<Envelope<{ os: string }>>);
    expect(info.results?.os).toBe('Dotenv OS');
    await sim.stop();
  });

  it('a non-empty env value beats the flag', async () => {
    const [flagPort, envPort] = [await freePort(), await freePort()];
    const sim = await startSim({ port: envPort, args: ['rest', `--port=${flagPort}`] });
    expect(sim.stdout).toContain(`http://127.0.0.1:${envPort}`);
    await sim.stop();
  });

  it('the flag applies when the env value is absent, and flags may precede the subcommand', async () => {
    const port = await freePort();
    const sim = await startSim({ env: { APP_PORT: undefined }, args: ['--port', String(port), 'rest'] });
    expect(sim.stdout).toContain(`http://127.0.0.1:${port}`);
    await sim.stop();
  });

  it('the real environment beats ./.env', async () => {
    const [dotenvPort, envPort] = [await freePort(), await freePort()];
    const sim = await startSim({ port: envPort, dotenv: `APP_PORT=${dotenvPort}\n` });
    expect(sim.stdout).toContain(`http://127.0.0.1:${envPort}`);
    await sim.stop();
  });
});

describe('signals', () => {
  it.each([
    ['SIGTERM', 'terminated'],
    ['SIGINT', 'interrupt'],
  ] as const)('%s logs and exits 0; a second signal during shutdown is swallowed', async (signal, word) => {
    const sim = await startSim({ cwd: await makeTempDir() });
    sim.child.kill(signal);
    sim.child.kill(signal);
    expect(await sim.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(sim.stderr).toContain(`Received ${word} — shutting down`);
  });
});
