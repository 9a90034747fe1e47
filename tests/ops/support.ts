import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT } from '../helpers/gateway.js';

export { ROOT };
export const SCRIPTS = {
  start: path.join(ROOT, 'scripts', 'start.sh'),
  installBinary: path.join(ROOT, 'scripts', 'install-binary.sh'),
  ensurePackages: path.join(ROOT, 'scripts', 'dev', 'ensure-packages.sh'),
  backup: path.join(ROOT, 'scripts', 'maintenance', 'backup.sh'),
  restore: path.join(ROOT, 'scripts', 'maintenance', 'restore.sh'),
  cleanup: path.join(ROOT, 'scripts', 'maintenance', 'cleanup.sh'),
} as const;

/** Timeout for a beforeAll that may have to apt-get install packages on a fresh machine. */
export const SETUP_TIMEOUT_MS = 240_000;

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run a program with a small, explicit environment: nothing from the developer's shell or .env leaks
 * in (ENV_FILE points nowhere unless a test sets it), and the run tag lets the global teardown find leaks.
 */
export function run(file: string, args: readonly string[] = [], env: Record<string, string> = {}, options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const fullEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env['HOME'] ?? os.tmpdir(),
    LANG: 'C.UTF-8',
    ENV_FILE: path.join(os.tmpdir(), 'ops-test-no-such.env'),
    SIM_TEST_RUN: process.env['SIM_TEST_RUN'] ?? '',
    ...env,
  };
  return new Promise((resolve) => {
    execFile(file, [...args], { env: fullEnv, cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Install Debian packages a test needs with the project's own script (a no-op when present). */
export async function ensurePackages(...packages: string[]): Promise<void> {
  const result = await run(SCRIPTS.ensurePackages, packages, {}, { timeoutMs: SETUP_TIMEOUT_MS - 10_000 });
  if (result.code !== 0) throw new Error(`ensure-packages ${packages.join(' ')} failed:\n${result.stderr}`);
}

const created: string[] = [];

/** A fresh folder under the OS temp dir, removed by removeTempDirs() (call it in afterAll). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function writeFile(file: string, content: string | Buffer = '', mtime?: Date): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  if (mtime) fs.utimesSync(file, mtime, mtime);
  return file;
}

export function minutesAgo(minutes: number): Date {
  return new Date(Date.now() - minutes * 60_000);
}

/**
 * Every file and folder under `dir`, files with size and mtime: equal snapshots mean nothing was added,
 * removed or rewritten. Folder mtimes are left out: SQLite's -wal/-shm files, created and removed by
 * a mere read, change them.
 */
export function snapshotTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const stat = fs.lstatSync(full);
      out.push(entry.isDirectory() ? `${path.relative(dir, full)}/` : `${path.relative(dir, full)} ${stat.size} ${stat.mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

export interface TarEntry {
  readonly name: string;
  /** '0' file, '2' symlink, '5' folder */
  readonly type?: '0' | '2' | '5';
  readonly body?: string | Buffer;
  readonly linkname?: string;
}

/** A .tar.gz with exactly the given entries, names untouched (GNU tar would sanitise '..' and '/' on create). */
export function makeTarGz(file: string, entries: readonly TarEntry[]): string {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = Buffer.alloc(512);
    const field = (value: string, offset: number, length: number): void => void header.write(value, offset, length, 'utf8');
    const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
    field(entry.name, 0, 100);
    field(octal(entry.type === '5' ? 0o755 : 0o644, 8), 100, 8);
    field(octal(0, 8), 108, 8);
    field(octal(0, 8), 116, 8);
    field(octal(entry.type === undefined || entry.type === '0' ? body.length : 0, 12), 124, 12);
    field(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
    field('        ', 148, 8);
    field(entry.type ?? '0', 156, 1);
    field(entry.linkname ?? '', 157, 100);
    field('ustar\0', 257, 6);
    field('00', 263, 2);
    let sum = 0;
    for (const byte of header) sum += byte;
    field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    blocks.push(header);
    if (entry.type === undefined || entry.type === '0') {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  fs.writeFileSync(file, zlib.gzipSync(Buffer.concat(blocks)));
  return file;
}
