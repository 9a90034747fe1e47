import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensurePackages, removeTempDirs, run, SCRIPTS, SETUP_TIMEOUT_MS, tempDir, writeFile } from './support.js';

/**
 * scripts/install-binary.sh against a local release feed laid out like GitHub's
 * (<base>/v<version>/whatsapp_<version>_linux_amd64.zip + checksums.txt), served by node http.
 */
const PLATFORM = { GOWA_OS: 'linux', GOWA_ARCH: 'amd64' };
const GOOD = '9.9.1';
const BAD_SUM = '9.9.2';
const NOT_PUBLISHED = '9.9.3';

const feed = tempDir('ops-feed-');
let server: http.Server;
let baseUrl: string;
const requests: string[] = [];

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A release folder whose zip holds a tiny executable named like the real one (`linux-amd64`). */
function publish(version: string, options: { corruptSum?: boolean } = {}): void {
  const dir = path.join(feed, `v${version}`);
  const work = tempDir('ops-zip-');
  writeFile(path.join(work, 'linux-amd64'), `#!/bin/sh\necho "fake gowa ${version} $*"\n`);
  fs.chmodSync(path.join(work, 'linux-amd64'), 0o755);
  writeFile(path.join(work, 'readme.md'), 'release notes\n');
  const zip = path.join(dir, `whatsapp_${version}_linux_amd64.zip`);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('zip', ['-q', zip, 'linux-amd64', 'readme.md'], { cwd: work });
  const sum = options.corruptSum ? '0'.repeat(64) : sha256(zip);
  writeFile(path.join(dir, 'checksums.txt'), `${'1'.repeat(64)}  whatsapp_${version}_linux_arm64.zip\n${sum}  whatsapp_${version}_linux_amd64.zip\n`);
}

function installDirWithOldBinary(): string {
  const dir = tempDir('ops-bin-');
  writeFile(path.join(dir, 'whatsapp'), '#!/bin/sh\necho old\n');
  fs.chmodSync(path.join(dir, 'whatsapp'), 0o755);
  writeFile(path.join(dir, 'whatsapp.version'), '9.0.0\n');
  return dir;
}

/** Progress goes to stderr too; the failure itself must be one `install-binary: …` line. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('install-binary: '));
}

function install(version: string, installDir: string, base = baseUrl) {
  return run(SCRIPTS.installBinary, [version], { ...PLATFORM, GOWA_RELEASE_BASE_URL: base, GOWA_INSTALL_DIR: installDir });
}

describe('scripts/install-binary.sh', () => {
  beforeAll(async () => {
    await ensurePackages('zip', 'unzip', 'curl');
    publish(GOOD);
    publish(BAD_SUM, { corruptSum: true });
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const file = path.join(feed, path.normalize(decodeURIComponent(req.url ?? '/')));
      if (!file.startsWith(feed) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end('Not Found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    removeTempDirs();
  });

  it('installs a verified release that runs, keeps the replaced binary and records the version', async () => {
    const dir = installDirWithOldBinary();
    const result = await install(GOOD, dir);
    expect(result.stderr).not.toMatch(/install-binary: /);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Installed GOWA v${GOOD} (linux/amd64)`);
    expect(requests).toContain(`/v${GOOD}/whatsapp_${GOOD}_linux_amd64.zip`);

    expect(execFileSync(path.join(dir, 'whatsapp'), ['rest']).toString()).toBe(`fake gowa ${GOOD} rest\n`);
    expect(execFileSync(path.join(dir, 'whatsapp.previous')).toString()).toBe('old\n');
    expect(fs.readFileSync(path.join(dir, 'whatsapp.version'), 'utf8')).toBe(`${GOOD}\n`);
    expect(fs.readFileSync(path.join(dir, 'whatsapp.previous.version'), 'utf8')).toBe('9.0.0\n');
    // No staging file left next to the binary.
    expect(fs.readdirSync(dir).sort()).toEqual(['whatsapp', 'whatsapp.previous', 'whatsapp.previous.version', 'whatsapp.version']);

    // Installing the same release again changes nothing, so .previous still holds the real previous one.
    const again = await install(GOOD, dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already installed');
    expect(execFileSync(path.join(dir, 'whatsapp.previous')).toString()).toBe('old\n');
  });

  it('installs into an empty folder', async () => {
    const dir = path.join(tempDir('ops-bin-'), 'nested', 'bin');
    const result = await install(`v${GOOD}`, dir);
    expect(result.code).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['whatsapp', 'whatsapp.version']);
  });

  it('refuses a zip whose checksum does not match, leaving the installed binary untouched', async () => {
    const dir = installDirWithOldBinary();
    const before = fs.readdirSync(dir).sort();
    const result = await install(BAD_SUM, dir);
    expect(result.code).not.toBe(0);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('checksum mismatch');
    expect(result.stderr).toContain('nothing was installed');
    expect(fs.readdirSync(dir).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(dir, 'whatsapp'), 'utf8')).toBe('#!/bin/sh\necho old\n');
  });

  it('explains a release that does not exist (HTTP 404)', async () => {
    const dir = installDirWithOldBinary();
    const result = await install(NOT_PUBLISHED, dir);
    expect(result.code).not.toBe(0);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('HTTP 404');
    expect(result.stderr).toContain(`v${NOT_PUBLISHED}`);
    expect(fs.readFileSync(path.join(dir, 'whatsapp'), 'utf8')).toBe('#!/bin/sh\necho old\n');
  });

  it('explains an unreachable server (no network)', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const dir = installDirWithOldBinary();
    const result = await install(GOOD, dir, `http://127.0.0.1:${port}`);
    expect(result.code).not.toBe(0);
    expect(errorLines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain('cannot download');
    expect(result.stderr).toContain('check the network');
    expect(fs.readFileSync(path.join(dir, 'whatsapp'), 'utf8')).toBe('#!/bin/sh\necho old\n');
  });

  it('rejects something that is not a version', async () => {
    const result = await install('latest; rm -rf /', tempDir('ops-bin-'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is not a version like 9.2.0');
  });
});
