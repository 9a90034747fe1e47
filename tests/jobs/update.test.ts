import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io as ioClient } from 'socket.io-client';
import { auditSettled } from '../helpers/access.js';
import { makeDataRoot, ROOT, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const SIM_MAIN = path.join(ROOT, 'dist', 'simulator', 'main.js');
const PHONES = ['5511960000001', '5511960000002'];

/** A binary for the release server: the stand-in tagged with its build, or one that cannot serve. */
function wrapper(build: string, broken = false): string {
  return broken
    ? `#!/bin/sh\nif [ "$1" = "--help" ]; then echo help; exit 0; fi\necho "cannot start" >&2\nexit 3\n`
    : `#!/bin/sh\nexport SIM_BUILD=${build}\nexec node ${SIM_MAIN} "$@"\n`;
}

interface Release {
  readonly version: string;
  readonly binary: string;
  readonly corruptChecksum?: boolean;
}

/** A local stand-in for GitHub: a releases/latest feed, release zips and their checksums. */
class ReleaseServer {
  latest = '9.3.0';
  private readonly files = new Map<string, Buffer>();
  private readonly server = http.createServer((req, res) => {
    if (req.url === '/feed') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ tag_name: `v${this.latest}`, draft: false, prerelease: false }));
      return;
    }
    const file = this.files.get(req.url ?? '');
    res.statusCode = file ? 200 : 404;
    res.end(file ?? 'not found');
  });

  constructor(private readonly dir: string) {}

  add(release: Release): void {
    const work = fs.mkdtempSync(path.join(this.dir, 'release-'));
    fs.writeFileSync(path.join(work, 'linux-amd64'), release.binary, { mode: 0o755 });
    const zip = `whatsapp_${release.version}_linux_amd64.zip`;
    execFileSync('zip', ['-q', zip, 'linux-amd64', '-x', '*.zip'], { cwd: work });
    const bytes = fs.readFileSync(path.join(work, zip));
    const sum = release.corruptChecksum ? '0'.repeat(64) : crypto.createHash('sha256').update(bytes).digest('hex');
    this.files.set(`/v${release.version}/${zip}`, bytes);
    this.files.set(`/v${release.version}/checksums.txt`, Buffer.from(`${sum}  ${zip}\n`));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function buildOf(pid: number | null | undefined): string | undefined {
  if (!pid) return undefined;
  return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((kv) => kv.startsWith('SIM_BUILD='))?.slice('SIM_BUILD='.length);
}

let gw: TestGateway;
let releases: ReleaseServer;
let bin: string;

interface Status {
  current: string | null;
  latest: string | null;
  available: boolean;
  lastRollout: { ok: boolean; version: string; moved: string[]; failedOn: string | null; reason: string | null } | null;
}

beforeAll(async () => {
  execFileSync(path.join(ROOT, 'scripts', 'dev', 'ensure-packages.sh'), ['zip', 'unzip', 'curl'], { stdio: 'inherit' });
  const dataRoot = makeDataRoot();
  bin = path.join(dataRoot, 'bin', 'whatsapp');
  fs.mkdirSync(path.dirname(bin));
  fs.writeFileSync(bin, wrapper('9.2.0'), { mode: 0o755 });
  fs.writeFileSync(`${bin}.version`, '9.2.0\n');
  releases = new ReleaseServer(dataRoot);
  releases.add({ version: '9.3.0', binary: wrapper('9.3.0') });
  releases.add({ version: '9.4.0', binary: wrapper('9.4.0', true) });
  releases.add({ version: '9.5.0', binary: wrapper('9.5.0'), corruptChecksum: true });
  const base = await releases.listen();
  gw = await startTestGateway({
    dataRoot,
    env: { WHATSAPP_BINARY: bin, AUTO_UPDATE: 'apply', UPDATE_FEED_URL: `${base}/feed`, GOWA_RELEASE_BASE_URL: base, UPDATE_SOAK_MS: '600' },
  });
  for (const phone of PHONES) expect((await gw.request('POST', '/api/devices', { body: { phoneNumber: phone } })).status).toBe(201);
}, 240_000);

afterAll(async () => {
  await gw?.close();
  await releases?.close();
});

const runner = (phone: string) => gw.gateway.supervisor.runner(phone);

describe('binary updates', () => {
  it('reports a newer release against the installed version, also to admins on Socket.IO', async () => {
    const socket = ioClient(gw.url, { auth: { token: await gw.token() }, transports: ['websocket'], reconnection: false });
    const news = new Promise<{ current: string | null; latest: string }>((resolve) => socket.on('binary-update-available', resolve));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const res = await gw.request<Status>('POST', '/api/system/update/check');
    expect(await news).toEqual({ current: '9.2.0', latest: '9.3.0' });
    socket.close();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ current: '9.2.0', latest: '9.3.0', available: true });
    const health = await gw.request<{ update: Status }>('GET', '/api/health/detailed');
    expect(health.body.update).toMatchObject({ latest: '9.3.0', available: true });
  });

  it('moves every number onto a verified new binary, canary first, and keeps the old one', async () => {
    const res = await gw.request<Status>('POST', '/api/system/update/apply');
    expect(res.status).toBe(200);
    expect(res.body.lastRollout).toMatchObject({ ok: true, version: '9.3.0', moved: PHONES, failedOn: null });
    expect(res.body).toMatchObject({ current: '9.3.0', available: false });
    for (const phone of PHONES) {
      expect(runner(phone)?.state).toBe('running');
      expect(buildOf(runner(phone)?.pid)).toBe('9.3.0');
    }
    expect(fs.readFileSync(bin, 'utf8')).toContain('SIM_BUILD=9.3.0');
    expect(fs.readFileSync(`${bin}.previous`, 'utf8')).toContain('SIM_BUILD=9.2.0');
    expect(fs.readdirSync(path.dirname(bin)).filter((f) => f.startsWith('.update-'))).toEqual([]);
  });

  it('stops at a failing canary and rolls it back; the others never move', async () => {
    releases.latest = '9.4.0';
    const before = PHONES.map((p) => runner(p)?.pid);
    const res = await gw.request<Status>('POST', '/api/system/update/apply');
    expect(res.status).toBe(200);
    expect(res.body.lastRollout).toMatchObject({ ok: false, version: '9.4.0', failedOn: PHONES[0] });
    expect(res.body.current).toBe('9.3.0');
    expect(runner(PHONES[0] ?? '')?.state).toBe('running');
    expect(buildOf(runner(PHONES[0] ?? '')?.pid)).toBe('9.3.0');
    expect(runner(PHONES[1] ?? '')?.pid).toBe(before[1]);
    expect(fs.readFileSync(bin, 'utf8')).toContain('SIM_BUILD=9.3.0');
    // Both rollouts are in the audit log as the gateway's own actions, beside the admin's calls that started them.
    await auditSettled(gw);
    const audit = gw.gateway.database.sqlite.prepare("SELECT action, result, actor_type, target_id FROM audit_events WHERE action LIKE 'system.%' ORDER BY id").all();
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'system.binary_rollout', result: 'ok', actor_type: 'system', target_id: '9.3.0' },
        { action: 'system.binary_rollout', result: 'error', actor_type: 'system', target_id: '9.4.0' },
        { action: 'system.update_apply', result: 'ok', actor_type: 'user', target_id: null },
      ]),
    );
  });

  it('refuses a release whose checksum does not match, changing nothing', async () => {
    releases.latest = '9.5.0';
    const pids = PHONES.map((p) => runner(p)?.pid);
    const res = await gw.request<{ error: { code: string; message: string } }>('POST', '/api/system/update/apply');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('UPDATE_FAILED');
    expect(res.body.error.message).toMatch(/checksum mismatch/);
    expect(PHONES.map((p) => runner(p)?.pid)).toEqual(pids);
    expect(fs.readFileSync(bin, 'utf8')).toContain('SIM_BUILD=9.3.0');
  });

  it('reports a feed it cannot reach without failing the gateway', async () => {
    const other = await startTestGateway({ env: { AUTO_UPDATE: 'check', UPDATE_FEED_URL: 'http://127.0.0.1:9/feed' } });
    try {
      const res = await other.request<Status & { error: string }>('POST', '/api/system/update/check');
      expect(res.status).toBe(200);
      expect(res.body.error).toMatch(/cannot read the release feed/);
      expect(res.body.available).toBe(false);
    } finally {
      await other.close();
    }
  });
});
