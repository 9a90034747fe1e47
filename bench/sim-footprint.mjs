/* global process, console, setTimeout, fetch */
/**
 * Footprint of one WhatsApp binary stand-in process: time-to-ready (spawn → `Server started on` on stdout)
 * and idle RSS (VmRSS from /proc/<pid>/status one second after ready), plus RSS after a QR login (which
 * loads the QR encoder) and after one send. Needs `npm run build` first.
 *
 *   node bench/sim-footprint.mjs [runs=5]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/whatsapp-sim');
const runs = Number(process.argv[2] ?? 5);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((res) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

function rssMb(pid) {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

async function once() {
  const cwd = mkdtempSync(join(tmpdir(), 'sim-footprint-'));
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, APP_HOST: '127.0.0.1', APP_PORT: String(port), APP_UI_AUTO_UPDATE: 'false' };
  const started = process.hrtime.bigint();
  const child = spawn(BIN, ['rest'], { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise((r) => child.on('close', r));
  let out = '';
  const readyMs = await new Promise((res, rej) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Server started on')) res(Number(process.hrtime.bigint() - started) / 1e6);
    });
    child.on('close', () => rej(new Error(`exited before ready:\n${out}`)));
  });
  await sleep(1000);
  const idle = rssMb(child.pid);
  const base = `http://127.0.0.1:${port}`;
  const json = (method, path, body) => fetch(`${base}${path}`, {
    method, headers: { 'Content-Type': 'application/json' }, body: body && JSON.stringify(body),
  }).then((r) => r.json());
  await json('POST', '/devices', { device_id: '628000000001' });
  await json('GET', '/app/login');
  await json('POST', '/_sim/pair', {});
  await json('POST', '/send/message', { phone: '628000000002', message: 'hi' });
  await sleep(200);
  const afterLogin = rssMb(child.pid);
  child.kill('SIGTERM');
  await exited;
  rmSync(cwd, { recursive: true, force: true });
  return { readyMs, idle, afterLogin };
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
};

const results = [];
for (let i = 0; i < runs; i++) {
  const r = await once();
  results.push(r);
  console.log(`run ${i + 1}: ready ${r.readyMs.toFixed(0)} ms, idle RSS ${r.idle.toFixed(1)} MB, RSS after QR login + send ${r.afterLogin.toFixed(1)} MB`);
}
const fmt = (s, unit, digits) => `median ${s.median.toFixed(digits)} ${unit} (min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)})`;
console.log(`\nnode ${process.version}, ${runs} runs`);
console.log(`time-to-ready:            ${fmt(stats(results.map((r) => r.readyMs)), 'ms', 0)}`);
console.log(`idle RSS:                 ${fmt(stats(results.map((r) => r.idle)), 'MB', 1)}`);
console.log(`RSS after login + send:   ${fmt(stats(results.map((r) => r.afterLogin)), 'MB', 1)}`);
