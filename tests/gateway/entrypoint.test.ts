import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it } from '@jest/globals';
import { makeDataRoot, ROOT, testEnv, workerPortRange } from '../helpers/gateway.js';
import { isAlive, waitFor, waitForExit } from '../helpers/wait.js';

const MAIN = path.join(ROOT, 'dist', 'main.js');

function runMain(env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 20_000 });
}

describe('npm start (dist/main.js)', () => {
  it('refuses to start without the binary, saying how to install it or run the demo', () => {
    const result = runMain(testEnv(makeDataRoot(), { WHATSAPP_BINARY: 'bin/does-not-exist' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('scripts/install-binary.sh');
    expect(result.stderr).toContain('npm run demo');
  });

  it('lists every configuration problem and stops', () => {
    const result = runMain(testEnv(makeDataRoot(), { API_PORT: 'many', MAX_PROCESSES: '-1', NODE_ENV: 'production', JWT_SECRET: 'short' }));
    expect(result.status).toBe(1);
    for (const key of ['API_PORT', 'MAX_PROCESSES']) expect(result.stderr).toContain(key);
    expect(result.stderr).not.toContain('short');
  });

  it('refuses default secrets in production', () => {
    const env = testEnv(makeDataRoot(), { NODE_ENV: 'production' });
    delete env['JWT_SECRET'];
    delete env['DEFAULT_ADMIN_PASS'];
    const result = runMain(env);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/JWT_SECRET: production needs/);
    expect(result.stderr).toMatch(/DEFAULT_ADMIN_PASS: production needs/);
    expect(result.stderr).toMatch(/SECRETS_ENCRYPTION_KEY: production needs/);
    expect(result.stderr).toMatch(/API_KEY_PEPPER: production needs/);
  });
});

describe('npm run demo (dist/main.js --demo)', () => {
  it('runs on the stand-in with throwaway data and prints credentials and the next commands, which work', async () => {
    // This worker's slice of the child port range: another test file may be running children in the default one.
    const ports = workerPortRange();
    const env = { PATH: process.env['PATH'] ?? '', API_PORT: '0', API_HOST: '127.0.0.1', LOG_LEVEL: 'silent', PROCESS_BASE_PORT: String(ports.base), PROCESS_MAX_PORT: String(ports.max), SIM_TEST_RUN: process.env['SIM_TEST_RUN'] ?? '' };
    const child = spawn(process.execPath, [MAIN, '--demo'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    readline.createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    try {
      const curl = await waitFor(() => lines.find((l) => l.includes('/api/devices/5511999999999/status')), { what: 'demo instructions' });
      const admin = /admin:\s+(\S+) \/ (\S+)/.exec(lines.join('\n'));
      const base = /(http:\/\/localhost:\d+)/.exec(curl)?.[1];
      expect(admin).not.toBeNull();
      expect(base).toBeDefined();
      const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: admin?.[1], password: admin?.[2] }) });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const created = await fetch(`${base}/api/devices`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ phoneNumber: '5511999999999', name: 'Demo desk' }) });
      expect(created.status).toBe(201);
      const device = (await created.json()) as { state: string; pid: number };
      expect(device.state).toBe('running');
      expect(isAlive(device.pid)).toBe(true);
      child.kill('SIGTERM');
      await waitForExit(device.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
