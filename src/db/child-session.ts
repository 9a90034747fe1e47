import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The binary's session database, relative to a number's folder (DB_URI as the supervisor sets it). */
export const SESSION_DB = path.join('storages', 'whatsapp.db');

/**
 * Does this session folder hold a paired WhatsApp session? The file alone is not enough: whatsmeow creates
 * it at first start, before any pairing. A paired device is a row in its `whatsmeow_device` table.
 */
export function hasSavedSession(sessionDir: string): boolean {
  const file = path.join(sessionDir, SESSION_DB);
  if (!fs.existsSync(file)) return false;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'whatsmeow_device'").get();
    if (!table) return false;
    const row = db.prepare('SELECT count(*) AS n FROM whatsmeow_device').get() as { n: number };
    return row.n > 0;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}
