import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { openDatabase } from '../../src/db/client.js';
import { minutesAgo, removeTempDirs, ROOT, run, SCRIPTS, snapshotTree, tempDir, writeFile } from './support.js';

const REGISTERED = '5511940000001';
const OTHER_REGISTERED = '5511940000002';
const UNREGISTERED = '5511940000009';
const DAY = 24 * 60;

afterAll(removeTempDirs);

/** A data root with one item of each kind that must go, and a near miss for each that must stay. */
function buildTree(): { root: string; expected: string[] } {
  const root = tempDir('ops-cleanup-');
  const handle = openDatabase(path.join(root, 'volumes', 'whatsapp.db'), path.join(ROOT, 'drizzle'));
  for (const phone of [REGISTERED, OTHER_REGISTERED]) handle.sqlite.prepare('INSERT INTO devices (phone_number, name) VALUES (?, ?)').run(phone, 'n');
  handle.close();

  const s = (...parts: string[]): string => path.join(root, 'sessions', ...parts);
  const expected = [
    writeFile(s(REGISTERED, 'statics', 'qrcode', 'scan-qr-0b7c.png'), 'png', minutesAgo(30)),
    writeFile(s(REGISTERED, 'logs', 'process.log.1'), 'old', minutesAgo(20 * DAY)),
    s(UNREGISTERED),
    path.join(root, 'backups', 'backup-20200101T000000Z.tar.gz'),
  ];
  // Stay: fresh QR, other PNGs, current logs, young rotated logs, registered and non-number folders.
  writeFile(s(REGISTERED, 'statics', 'qrcode', 'scan-qr-fresh.png'), 'png', minutesAgo(2));
  writeFile(s(REGISTERED, 'statics', 'media', 'old-photo.png'), 'png', minutesAgo(90 * DAY));
  writeFile(s(REGISTERED, 'logs', 'process.log'), 'current', minutesAgo(30 * DAY));
  writeFile(s(OTHER_REGISTERED, 'logs', 'process.log.1'), 'young', minutesAgo(2 * DAY));
  writeFile(s(OTHER_REGISTERED, 'storages', 'whatsapp.db'), 'db');
  writeFile(s(UNREGISTERED, 'storages', 'whatsapp.db'), 'db');
  writeFile(s(UNREGISTERED, 'statics', 'qrcode', 'scan-qr-old.png'), 'png', minutesAgo(30));
  expected.push(s(UNREGISTERED, 'statics', 'qrcode', 'scan-qr-old.png'));
  // A folder DELETE /api/devices set aside goes; anything else under .deleted stays.
  writeFile(s('.deleted', `${UNREGISTERED}-1795300000000`, 'storages', 'whatsapp.db'), 'db');
  expected.push(s('.deleted', `${UNREGISTERED}-1795300000000`));
  writeFile(s('.deleted', 'README', 'keep.txt'), 'not a set-aside folder');
  writeFile(s('notes', 'keep.txt'), 'not a number');
  writeFile(s('12345abc', 'keep.txt'), 'not all digits');
  writeFile(s('.gitkeep'));
  writeFile(expected[3] ?? '', 'old');
  writeFile(path.join(root, 'backups', 'backup-20200102T000000Z.tar.gz'), 'newer');
  writeFile(path.join(root, 'backups', 'backup-20200103T000000Z.tar.gz'), 'newest');
  writeFile(path.join(root, 'backups', 'unrelated.tar.gz'), 'not ours');
  return { root, expected: expected.sort() };
}

const env = (root: string): Record<string, string> => ({
  SESSIONS_DIR: path.join(root, 'sessions'),
  DATA_DIR: path.join(root, 'volumes'),
  BACKUP_DIR: path.join(root, 'backups'),
});
const ARGS = ['--qr-minutes', '10', '--log-days', '14', '--keep-backups', '2'];

/** The paths a run printed as deleted (or to be deleted). */
function listed(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => /^(?:Would delete|Deleted) (\/\S+) {2}\(/.exec(line)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort();
}

describe('scripts/maintenance/cleanup.sh', () => {
  it('--dry-run lists exactly the expected items and deletes nothing', async () => {
    const { root, expected } = buildTree();
    const before = snapshotTree(root);
    const result = await run(SCRIPTS.cleanup, ['--dry-run', ...ARGS], env(root));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The orphan folder's QR image is listed on its own as well; deleting the folder covers it.
    expect(listed(result.stdout)).toEqual(expected);
    expect(result.stdout).toContain('Run without --dry-run');
    expect(snapshotTree(root)).toEqual(before);
  });

  it('deletes exactly the expected items', async () => {
    const { root, expected } = buildTree();
    const before = snapshotTree(root);
    const result = await run(SCRIPTS.cleanup, ARGS, env(root));
    expect(result.code).toBe(0);
    expect(listed(result.stdout)).toEqual(expected);

    // Compare paths only: removing entries changes the mtime of the folders that held them.
    const paths = (tree: string[]): string[] => tree.map((entry) => path.join(root, entry.split(' ')[0] ?? ''));
    const gone = (file: string): boolean => expected.some((e) => file === e || file.startsWith(`${e}/`));
    expect(paths(snapshotTree(root))).toEqual(paths(before).filter((file) => !gone(file)));
    for (const file of expected) expect(fs.existsSync(file)).toBe(false);
  });

  it('--keep-orphans keeps folders of unregistered numbers', async () => {
    const { root } = buildTree();
    const result = await run(SCRIPTS.cleanup, ['--keep-orphans', ...ARGS], env(root));
    expect(result.code).toBe(0);
    expect(fs.existsSync(path.join(root, 'sessions', UNREGISTERED, 'storages', 'whatsapp.db'))).toBe(true);
  });

  it('refuses to judge session folders without the gateway database, deleting nothing', async () => {
    const { root } = buildTree();
    fs.rmSync(path.join(root, 'volumes'), { recursive: true });
    const before = snapshotTree(root);
    const result = await run(SCRIPTS.cleanup, ARGS, env(root));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('nothing was deleted');
    expect(result.stderr).toContain('--keep-orphans');
    expect(snapshotTree(root)).toEqual(before);
  });
});
