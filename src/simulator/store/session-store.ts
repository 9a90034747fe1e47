/**
 * The whatsmeow session store at `DB_URI` (default `storages/whatsapp.db`). The binary opens it at boot,
 * which creates the file and its tables; a paired session is a row in `whatsmeow_device`. Gateways look at
 * this file to decide whether a number has a session, so the stand-in keeps a real SQLite file with the
 * same table name and the columns that identify a device.
 */
import { randomBytes, randomInt } from 'node:crypto';
import Database from 'better-sqlite3';

export class SessionStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS whatsmeow_device (
        jid TEXT PRIMARY KEY,
        registration_id INTEGER NOT NULL,
        noise_key BLOB NOT NULL,
        identity_key BLOB NOT NULL,
        adv_secret_key BLOB NOT NULL,
        platform TEXT NOT NULL DEFAULT '',
        push_name TEXT NOT NULL DEFAULT ''
      )`);
  }

  /** AD JIDs (`user:device@server`) of every stored session. */
  list(): { adJid: string; pushName: string }[] {
    const rows = this.db.prepare('SELECT jid, push_name FROM whatsmeow_device').all() as { jid: string; push_name: string }[];
    return rows.map((row) => ({ adJid: row.jid, pushName: row.push_name }));
  }

  findByUser(user: string): { adJid: string; pushName: string } | undefined {
    return this.list().find((session) => userOf(session.adJid) === user);
  }

  save(adJid: string, pushName: string, platform: string): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO whatsmeow_device (jid, registration_id, noise_key, identity_key, adv_secret_key, platform, push_name)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(adJid, randomInt(1, 2 ** 31 - 1), randomBytes(32), randomBytes(32), randomBytes(32), platform, pushName);
  }

  removeUser(user: string): void {
    for (const session of this.list()) {
      if (userOf(session.adJid) === user) this.db.prepare('DELETE FROM whatsmeow_device WHERE jid = ?').run(session.adJid);
    }
  }

  close(): void {
    this.db.close();
  }
}

/** `628123:12@s.whatsapp.net` → `628123`. */
export function userOf(jid: string): string {
  return (jid.split('@')[0] ?? '').split(':')[0] ?? '';
}
