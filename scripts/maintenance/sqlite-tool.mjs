// SQLite work for the maintenance scripts, through the better-sqlite3 the gateway already ships.
//   backup SRC DEST [SRC DEST ...]  online backup (SQLite backup API) + integrity check of each copy
//   check FILE...                   PRAGMA integrity_check on each file
//   phones GATEWAY_DB               the phone_number of every registered device, one a line
// Exit 1 with a one-line reason on any failure.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const MAX_PAGES = 0x7fffffff;

function fail(message) {
  process.stderr.write(`sqlite-tool: ${message}\n`);
  process.exit(1);
}

async function loadDriver() {
  try {
    return (await import('better-sqlite3')).default;
  } catch {
    return fail('better-sqlite3 is not installed; run `npm ci` in the repository first');
  }
}

// Only ever run on copies (fresh backups, staged restores). Read-write on purpose: closing the last
// read-write connection folds the WAL back in and removes the -wal/-shm files, so a copy stays one file.
function integrityProblems(Database, file) {
  const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  try {
    const rows = db.pragma('integrity_check');
    const problems = rows.map((row) => row.integrity_check).filter((text) => text !== 'ok');
    return problems;
  } finally {
    db.close();
  }
}

async function backup(Database, pairs) {
  if (pairs.length === 0 || pairs.length % 2 !== 0) fail('backup needs SRC DEST pairs');
  for (let i = 0; i < pairs.length; i += 2) {
    const [src, dest] = [pairs[i], pairs[i + 1]];
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    // Read-only: the live writer (gateway or GOWA child) keeps sole ownership of the file and its WAL.
    const db = new Database(src, { readonly: true, fileMustExist: true, timeout: 10_000 });
    try {
      // Copy every page in one step, i.e. inside one read transaction. With the default 100-page
      // steps, each write by another process restarts the copy, and a busy writer starves it.
      await db.backup(dest, { progress: () => MAX_PAGES });
    } catch (err) {
      fail(`backup of ${src} failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      db.close();
    }
    const problems = integrityProblems(Database, dest);
    if (problems.length > 0) fail(`the copy of ${src} fails its integrity check: ${problems[0]}`);
    process.stdout.write(`${src} -> ${dest} (${fs.statSync(dest).size} bytes, integrity ok)\n`);
  }
}

function check(Database, files) {
  if (files.length === 0) fail('check needs at least one file');
  for (const file of files) {
    let problems;
    try {
      problems = integrityProblems(Database, file);
    } catch (err) {
      fail(`${file} cannot be opened as SQLite: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (problems.length > 0) fail(`${file} fails its integrity check: ${problems[0]}`);
    process.stdout.write(`ok ${file}\n`);
  }
}

function phones(Database, file) {
  if (!file) fail('phones needs the gateway database path');
  try {
    // Not read-only: a read-only connection to a WAL database that nobody else has open leaves empty
    // -wal/-shm files behind. This one only SELECTs, and SQLite's locking covers the running gateway.
    const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
    try {
      const rows = db.prepare('SELECT phone_number FROM devices ORDER BY phone_number').all();
      for (const row of rows) process.stdout.write(`${row.phone_number}\n`);
    } finally {
      db.close();
    }
  } catch (err) {
    fail(`cannot read the devices of ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const [command, ...args] = process.argv.slice(2);
const Database = await loadDriver();
switch (command) {
  case 'backup':
    await backup(Database, args);
    break;
  case 'check':
    check(Database, args);
    break;
  case 'phones':
    phones(Database, args[0]);
    break;
  default:
    fail('usage: sqlite-tool.mjs backup SRC DEST [SRC DEST ...] | check FILE... | phones GATEWAY_DB');
}
