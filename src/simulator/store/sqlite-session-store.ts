/**
 * `DB_URI=file:…`: the session store as a real SQLite file with whatsmeow's table name and the columns that
 * identify a device. Gateways look at this file to decide whether a number has a session.
 */
import { randomBytes, randomInt } from 'node:crypto';
import Database from 'better-sqlite3';
import { DEVICE_COLUMNS, userOf, type SessionStore, type StoredSession } from './session-store.js';

export class SqliteSessionStore implements SessionStore {
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

  async list(): Promise<StoredSession[]> {
    const rows = this.db.prepare('SELECT jid, push_name FROM whatsmeow_device').all() as { jid: string; push_name: string }[];
    return rows.map((row) => ({ adJid: row.jid, pushName: row.push_name }));
  }

  async save(adJid: string, pushName: string, platform: string): Promise<void> {
    this.db
      .prepare(`INSERT OR REPLACE INTO whatsmeow_device (${DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(adJid, randomInt(1, 2 ** 31 - 1), randomBytes(32), randomBytes(32), randomBytes(32), platform, pushName);
  }

  async removeUser(user: string): Promise<void> {
    for (const session of await this.list()) {
      if (userOf(session.adJid) === user) this.db.prepare('DELETE FROM whatsmeow_device WHERE jid = ?').run(session.adJid);
    }
  }

  async record(): Promise<void> {
    // The SQLite store keeps nothing beyond whatsmeow's own tables.
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
