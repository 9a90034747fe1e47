/** Chats per slot (what `/chats` lists); rows are created by MessageRepo.addMany as messages arrive. */
import type { Db } from './db.js';
import { escapeLike } from './message-repo.js';

export interface ChatRow {
  jid: string;
  name: string;
  last_message_ms: number;
  created_ms: number;
  updated_ms: number;
  archived: number;
  pinned: number;
  ephemeral_expiration: number;
}

export interface ChatQuery {
  limit: number;
  offset: number;
  /** Part of the chat name. */
  search: string;
  hasMedia: boolean;
  archived?: boolean;
}

export class ChatRepo {
  constructor(private readonly db: Db) {}

  /** Newest activity first; `total` counts every chat that matches the filters. */
  list(deviceId: string, q: ChatQuery): { rows: ChatRow[]; total: number } {
    const where = ['device_id = @deviceId'];
    if (q.search) where.push("name LIKE @search ESCAPE '\\'");
    if (q.archived !== undefined) where.push('archived = @archived');
    if (q.hasMedia) {
      where.push(`EXISTS (SELECT 1 FROM messages m WHERE m.device_id = chats.device_id AND m.chat_jid = chats.jid
        AND m.media_type NOT IN ('', 'call'))`);
    }
    const params = { deviceId, search: `%${escapeLike(q.search)}%`, archived: q.archived ? 1 : 0, limit: q.limit, offset: q.offset };
    const clause = where.join(' AND ');
    const rows = this.db
      .prepare(`SELECT * FROM chats WHERE ${clause} ORDER BY last_message_ms DESC, jid LIMIT @limit OFFSET @offset`)
      .all(params) as ChatRow[];
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM chats WHERE ${clause}`).get(params) as { n: number }).n;
    return { rows, total };
  }

  get(deviceId: string, jid: string): ChatRow | undefined {
    return this.db.prepare('SELECT * FROM chats WHERE device_id = ? AND jid = ?').get(deviceId, jid) as ChatRow | undefined;
  }

  setFlag(deviceId: string, jid: string, flag: 'archived' | 'pinned', value: boolean): void {
    this.db.prepare(`UPDATE chats SET ${flag} = ?, updated_ms = ? WHERE device_id = ? AND jid = ?`).run(value ? 1 : 0, Date.now(), deviceId, jid);
  }
}
