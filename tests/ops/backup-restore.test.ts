import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/db/client.js';
import { waitFor } from '../helpers/wait.js';
import { makeTarGz, removeTempDirs, ROOT, run, SCRIPTS, snapshotTree, tempDir, writeFile } from './support.js';

const PHONES = ['5511930000001', '5511930000002'];
const JWT_SECRET = 'ops-test-jwt-secret-that-must-never-be-archived';

interface MarkReply {
  readonly type: 'mark';
  readonly last: Record<string, number>;
  readonly live: number;
}

/** The forked writer: resolves replies to 'mark' in order. */
class Writer {
  private readonly child: ChildProcess;
  private readonly waiting: ((reply: MarkReply) => void)[] = [];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(files: string[]) {
    this.child = fork(path.join(ROOT, 'tests', 'ops', 'fixtures', 'sqlite-writer.mjs'), files, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      this.child.on('message', (message: { type: string }) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'mark') this.waiting.shift()?.(message as MarkReply);
      });
    });
  }

  mark(): Promise<MarkReply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send('mark');
    });
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send('stop');
    else this.child.kill('SIGKILL');
    await this.exited;
  }
}

function dataEnv(root: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SESSIONS_DIR: path.join(root, 'sessions'), DATA_DIR: path.join(root, 'volumes'), BACKUP_DIR: path.join(root, 'backups'), ...extra };
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

const UPLOAD_ID = '0b9f6c3e-4a51-4c1e-9d2a-7f3e8a1b2c3d';

describe('backup.sh and restore.sh', () => {
  const live = tempDir('ops-live-');
  const gatewayDb = path.join(live, 'volumes', 'whatsapp.db');
  const sessionDbs = PHONES.flatMap((p) => ['whatsapp.db', 'chatstorage.db'].map((f) => path.join(live, 'sessions', p, 'storages', f)));
  const databases = [gatewayDb, ...sessionDbs];
  const relative = (file: string): string => path.relative(live, file);
  let writer: Writer | null = null;
  let archive = '';
  let mark: MarkReply;

  beforeAll(() => {
    // The gateway's real schema, with two registered numbers.
    const handle = openDatabase(gatewayDb, path.join(ROOT, 'drizzle'));
    for (const phone of PHONES) handle.sqlite.prepare('INSERT INTO devices (phone_number, name) VALUES (?, ?)').run(phone, `number ${phone}`);
    handle.close();
    for (const file of sessionDbs) fs.mkdirSync(path.dirname(file), { recursive: true });
    // Things a backup must not pick up: media, logs, a non-number folder.
    writeFile(path.join(live, 'sessions', PHONES[0] ?? '', 'statics', 'media', 'photo.jpg'), 'jpeg');
    writeFile(path.join(live, 'sessions', PHONES[0] ?? '', 'logs', 'process.log'), 'log line\n');
    writeFile(path.join(live, 'sessions', 'notes', 'storages', 'other.db'), 'not a number');
    // An upload waiting in the message outbox: part of an accepted message, so it is backed up.
    writeFile(path.join(live, 'volumes', 'outbox', PHONES[0] ?? '', UPLOAD_ID), 'queued image bytes');
    writeFile(path.join(live, 'volumes', 'outbox', 'tmp', 'partial-upload'), 'half an upload');
  });

  afterAll(async () => {
    await writer?.stop();
    removeTempDirs();
  });

  it('backs up every database while a writer keeps inserting, and applies retention', async () => {
    for (let i = 1; i <= 5; i += 1) writeFile(path.join(live, 'backups', `backup-2020010${i}T000000Z.tar.gz`), 'old');
    writeFile(path.join(live, 'backups', 'notes.txt'), 'not a backup');

    const busy = new Writer(databases);
    writer = busy;
    await busy.ready;
    await waitFor(async () => (await busy.mark()).live > 300, { what: 'the writer to be busy' });
    mark = await busy.mark();

    const result = await run(SCRIPTS.backup, ['--keep', '3'], dataEnv(live, { JWT_SECRET, API_PORT: '3999', DEFAULT_ADMIN_PASS: 'hunter2-hunter2' }));
    const after = await busy.mark();
    await busy.stop();
    writer = null;

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The writer really ran during the backup, so the copy had to be consistent under load.
    expect(after.live).toBeGreaterThan(mark.live);

    const match = /^Backup written: (\S+backup-\d{8}T\d{6}Z\.tar\.gz) /m.exec(result.stdout);
    expect(match).not.toBeNull();
    archive = match?.[1] ?? '';
    for (const file of databases) expect(result.stdout).toContain(relative(file));
    expect(fs.statSync(archive).mode & 0o077).toBe(0);

    // Retention: the new archive plus the two newest old ones; other files untouched.
    expect(fs.readdirSync(path.join(live, 'backups')).sort()).toEqual(['backup-20200104T000000Z.tar.gz', 'backup-20200105T000000Z.tar.gz', path.basename(archive), 'notes.txt'].sort());
    expect(result.stdout).toContain('Deleted old backup (keeping the newest 3)');
  });

  it('archives the configuration with secrets redacted, and no media or logs', async () => {
    const listing = await run('tar', ['-tzf', archive]);
    const names = listing.stdout.split('\n').filter((n) => n && !n.endsWith('/')).map((n) => n.replace(/^\.\//, '')).sort();
    expect(names).toEqual(['SHA256SUMS', 'config/env.redacted', 'info.txt', `volumes/outbox/${PHONES[0]}/${UPLOAD_ID}`, ...databases.map(relative)].sort());
    const config = (await run('tar', ['-xzOf', archive, './config/env.redacted'])).stdout;
    expect(config).toContain('JWT_SECRET=<redacted>');
    expect(config).toContain('DEFAULT_ADMIN_PASS=<redacted>');
    expect(config).toContain('API_PORT=3999');
    expect(config).not.toContain(JWT_SECRET);
    expect(config).not.toContain('hunter2');
  });

  it('restores into a fresh folder: every row committed before the backup is there, integrity ok', async () => {
    const fresh = tempDir('ops-restored-');
    const result = await run(SCRIPTS.restore, [archive], dataEnv(fresh));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const file of databases) {
      const restored = path.join(fresh, relative(file));
      expect(integrity(restored)).toBe('ok');
      const db = new Database(restored, { readonly: true });
      const { count, max } = db.prepare('SELECT count(*) AS count, max(id) AS max FROM writer_rows WHERE id <= ?').get(mark.last[file]) as { count: number; max: number };
      db.close();
      expect({ file: relative(file), count, max }).toEqual({ file: relative(file), count: mark.last[file], max: mark.last[file] });
    }
    const db = new Database(path.join(fresh, 'volumes', 'whatsapp.db'), { readonly: true });
    expect((db.prepare('SELECT phone_number FROM devices ORDER BY phone_number').all() as { phone_number: string }[]).map((r) => r.phone_number)).toEqual(PHONES);
    db.close();
    expect(fs.readFileSync(path.join(fresh, 'volumes', 'outbox', PHONES[0] ?? '', UPLOAD_ID), 'utf8')).toBe('queued image bytes');
  });

  it('keeps replaced files (and their WAL) aside as *.pre-restore', async () => {
    const target = tempDir('ops-replace-');
    writeFile(path.join(target, 'volumes', 'whatsapp.db'), 'old db');
    writeFile(path.join(target, 'volumes', 'whatsapp.db-wal'), 'stale wal');
    const result = await run(SCRIPTS.restore, [archive], dataEnv(target));
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(target, 'volumes', 'whatsapp.db.pre-restore'), 'utf8')).toBe('old db');
    expect(fs.readFileSync(path.join(target, 'volumes', 'whatsapp.db-wal.pre-restore'), 'utf8')).toBe('stale wal');
    expect(fs.existsSync(path.join(target, 'volumes', 'whatsapp.db-wal'))).toBe(false);
    expect(integrity(path.join(target, 'volumes', 'whatsapp.db'))).toBe('ok');
  });

  it('refuses while the gateway runs (live node PID in gateway.pid), and ignores a stale one', async () => {
    const target = tempDir('ops-running-');
    // This test process stands in for a running gateway.
    writeFile(path.join(target, 'volumes', 'gateway.pid'), `${process.pid}\n`);
    const before = snapshotTree(target);
    const refused = await run(SCRIPTS.restore, [archive], dataEnv(target));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`the gateway is running (PID ${process.pid}`);
    expect(refused.stderr).toContain('stop it first');
    expect(snapshotTree(target)).toEqual(before);

    // A reused PID that is not node (e.g. in a fresh container) is a stale file, not a gateway.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    const otherExited = new Promise((resolve) => other.once('exit', resolve));
    try {
      writeFile(path.join(target, 'volumes', 'gateway.pid'), `${other.pid}\n`);
      expect((await run(SCRIPTS.restore, [archive], dataEnv(target))).code).toBe(0);
    } finally {
      other.kill('SIGKILL');
      await otherExited;
    }

    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFile(path.join(target, 'volumes', 'gateway.pid'), `${gone.pid}\n`);
    expect((await run(SCRIPTS.restore, [archive], dataEnv(target))).code).toBe(0);
  });

  describe('refuses archives it did not write, before touching anything', () => {
    const cases: [string, Parameters<typeof makeTarGz>[1], string][] = [
      ['a .. path', [{ name: './SHA256SUMS', body: '' }, { name: '../escaped.db', body: 'x' }], "'..' path"],
      ['an absolute path', [{ name: './SHA256SUMS', body: '' }, { name: '/tmp/ops-absolute.db', body: 'x' }], 'refusing'],
      ['a symlink', [{ name: './SHA256SUMS', body: '' }, { name: './volumes/whatsapp.db', type: '2', linkname: '/etc/passwd' }], 'links or special files'],
      ['an unexpected file', [{ name: './SHA256SUMS', body: '' }, { name: './sessions/5511930000001/storages/run.sh', body: 'x' }], 'unexpected entry'],
    ];
    it.each(cases)('%s', async (_label, entries, message) => {
      const dir = tempDir('ops-evil-');
      const target = path.join(dir, 'target');
      fs.mkdirSync(target);
      const evil = makeTarGz(path.join(dir, 'evil.tar.gz'), entries);
      const result = await run(SCRIPTS.restore, [evil], dataEnv(target));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
      expect(fs.readdirSync(target)).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'escaped.db'))).toBe(false);
    });

    it('a checksum mismatch', async () => {
      const dir = tempDir('ops-tampered-');
      const target = path.join(dir, 'target');
      const tampered = makeTarGz(path.join(dir, 'tampered.tar.gz'), [
        { name: './SHA256SUMS', body: `${'0'.repeat(64)}  volumes/whatsapp.db\n` },
        { name: './volumes/', type: '5' },
        { name: './volumes/whatsapp.db', body: 'not what was backed up' },
      ]);
      const result = await run(SCRIPTS.restore, [tampered], dataEnv(target));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('fails its checksums');
      expect(fs.existsSync(path.join(target, 'volumes', 'whatsapp.db'))).toBe(false);
    });
  });
});
