/**
 * Log of every successful send, per slot, for `GET /_sim/sent`. It lives in chatstorage.db so that a test can
 * check exactly-once delivery across a crash and restart of the stand-in.
 */
import type { Db } from './db.js';

export interface SentEntry {
  message_id: string;
  route: string;
  phone: string;
  message?: string;
  caption?: string;
  filename?: string;
  size?: number;
  at: string;
}

interface SentRow {
  message_id: string;
  route: string;
  phone: string;
  message: string | null;
  caption: string | null;
  filename: string | null;
  size: number | null;
  at: string;
}

export class SentRepo {
  constructor(private readonly db: Db) {}

  add(deviceId: string, entry: SentEntry): void {
    this.db
      .prepare('INSERT INTO sim_sent (device_id, message_id, route, phone, message, caption, filename, size, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(deviceId, entry.message_id, entry.route, entry.phone, entry.message ?? null, entry.caption ?? null,
        entry.filename ?? null, entry.size ?? null, entry.at);
  }

  list(deviceId: string): SentEntry[] {
    const rows = this.db.prepare('SELECT * FROM sim_sent WHERE device_id = ? ORDER BY seq').all(deviceId) as SentRow[];
    return rows.map((row) => ({
      message_id: row.message_id,
      route: row.route,
      phone: row.phone,
      message: row.message ?? undefined,
      caption: row.caption ?? undefined,
      filename: row.filename ?? undefined,
      size: row.size ?? undefined,
      at: row.at,
    }));
  }
}
