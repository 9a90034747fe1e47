/** Device-slot registry rows in chatstorage.db. */
import type { DeviceWebhook, SlotRecord } from '../core/slot.js';
import type { Db } from './db.js';

interface DeviceRow {
  id: string;
  jid: string;
  display_name: string;
  created_at: string;
  webhook_url: string;
  webhook_secret: string;
  webhook_events: string;
  webhook_insecure_skip_verify: number;
}

export class SlotRepo {
  constructor(private readonly db: Db) {}

  list(): SlotRecord[] {
    const rows = this.db.prepare('SELECT * FROM devices ORDER BY seq, created_at').all() as DeviceRow[];
    return rows.map((row) => ({
      id: row.id,
      jid: row.jid,
      displayName: row.display_name,
      createdAt: row.created_at,
      webhook: {
        url: row.webhook_url,
        secret: row.webhook_secret,
        events: row.webhook_events,
        insecureSkipVerify: row.webhook_insecure_skip_verify === 1,
      },
    }));
  }

  save(record: SlotRecord): void {
    this.db
      .prepare(
        `INSERT INTO devices (id, jid, display_name, created_at, seq)
         VALUES (@id, @jid, @displayName, @createdAt, (SELECT COALESCE(MAX(seq), 0) + 1 FROM devices))
         ON CONFLICT (id) DO UPDATE SET jid = excluded.jid, display_name = excluded.display_name`,
      )
      .run({ id: record.id, jid: record.jid, displayName: record.displayName, createdAt: record.createdAt });
    this.saveWebhook(record.id, record.webhook);
  }

  saveWebhook(id: string, webhook: DeviceWebhook): void {
    this.db
      .prepare(
        `UPDATE devices SET webhook_url = ?, webhook_secret = ?, webhook_events = ?, webhook_insecure_skip_verify = ?
         WHERE id = ?`,
      )
      .run(webhook.url, webhook.secret, webhook.events, webhook.insecureSkipVerify ? 1 : 0, id);
  }

  remove(id: string): void {
    const purge = this.db.transaction(() => {
      for (const table of ['devices', 'chats', 'messages', 'reactions', 'sim_sent', 'sim_actions']) {
        this.db.prepare(`DELETE FROM ${table} WHERE ${table === 'devices' ? 'id' : 'device_id'} = ?`).run(id);
      }
    });
    purge();
  }
}
