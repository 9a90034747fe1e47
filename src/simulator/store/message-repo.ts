/** Chat history per slot (what `/chats` and `/chat/{jid}/messages` read). */
import type { Db } from './db.js';

export interface StoredMessage {
  id: string;
  chatJid: string;
  senderJid: string;
  senderDisplayName: string;
  content: string;
  timestampMs: number;
  isFromMe: boolean;
  mediaType: string;
  filename: string;
  url: string;
  fileLength: number;
}

export interface ChatRow {
  jid: string;
  name: string;
  last_message_ms: number;
  created_ms: number;
  updated_ms: number;
  archived: number;
}

export interface MessageRow {
  id: string;
  chat_jid: string;
  sender_jid: string;
  sender_display_name: string;
  content: string;
  timestamp_ms: number;
  is_from_me: number;
  media_type: string;
  filename: string;
  url: string;
  file_length: number;
  created_ms: number;
  updated_ms: number;
}

export interface ChatQuery {
  limit: number;
  offset: number;
  search: string;
  hasMedia: boolean;
  archived?: boolean;
}

export interface MessageQuery {
  limit: number;
  offset: number;
  startMs?: number;
  endMs?: number;
  mediaOnly: boolean;
  isFromMe?: boolean;
  search: string;
}

export class MessageRepo {
  constructor(private readonly db: Db) {}

  /** Stores messages and bumps their chats in one transaction (a burst of 10 000 stays fast). */
  addMany(deviceId: string, messages: readonly StoredMessage[], chatName: (message: StoredMessage) => string): void {
    const insert = this.db.prepare(
      `INSERT INTO messages (device_id, id, chat_jid, sender_jid, sender_display_name, content, timestamp_ms, is_from_me,
         media_type, filename, url, file_length, created_ms, updated_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsertChat = this.db.prepare(
      `INSERT INTO chats (device_id, jid, name, last_message_ms, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, jid) DO UPDATE SET last_message_ms = MAX(last_message_ms, excluded.last_message_ms),
         updated_ms = excluded.updated_ms, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END`,
    );
    this.db.transaction(() => {
      for (const m of messages) {
        const now = Date.now();
        insert.run(deviceId, m.id, m.chatJid, m.senderJid, m.senderDisplayName, m.content, m.timestampMs, m.isFromMe ? 1 : 0,
          m.mediaType, m.filename, m.url, m.fileLength, now, now);
        upsertChat.run(deviceId, m.chatJid, chatName(m), m.timestampMs, now, now);
      }
    })();
  }

  updateContent(deviceId: string, id: string, content: string): void {
    this.db.prepare('UPDATE messages SET content = ?, updated_ms = ? WHERE device_id = ? AND id = ?').run(content, Date.now(), deviceId, id);
  }

  remove(deviceId: string, id: string): void {
    this.db.prepare('DELETE FROM messages WHERE device_id = ? AND id = ?').run(deviceId, id);
  }

  chats(deviceId: string, q: ChatQuery): { rows: ChatRow[]; total: number } {
    const where = ['device_id = @deviceId'];
    if (q.search) where.push("(name LIKE @search OR jid LIKE @search)");
    if (q.archived !== undefined) where.push('archived = @archived');
    if (q.hasMedia) where.push("EXISTS (SELECT 1 FROM messages m WHERE m.device_id = chats.device_id AND m.chat_jid = chats.jid AND m.media_type <> '')");
    const params = { deviceId, search: `%${q.search}%`, archived: q.archived ? 1 : 0, limit: q.limit, offset: q.offset };
    const clause = where.join(' AND ');
    const rows = this.db.prepare(`SELECT * FROM chats WHERE ${clause} ORDER BY last_message_ms DESC LIMIT @limit OFFSET @offset`).all(params) as ChatRow[];
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM chats WHERE ${clause}`).get(params) as { n: number }).n;
    return { rows, total };
  }

  chat(deviceId: string, jid: string): ChatRow | undefined {
    return this.db.prepare('SELECT * FROM chats WHERE device_id = ? AND jid = ?').get(deviceId, jid) as ChatRow | undefined;
  }

  messages(deviceId: string, chatJid: string, q: MessageQuery): { rows: MessageRow[]; total: number } {
    const where = ['device_id = @deviceId', 'chat_jid = @chatJid'];
    if (q.startMs !== undefined) where.push('timestamp_ms >= @startMs');
    if (q.endMs !== undefined) where.push('timestamp_ms <= @endMs');
    if (q.mediaOnly) where.push("media_type <> ''");
    if (q.isFromMe !== undefined) where.push('is_from_me = @isFromMe');
    if (q.search) where.push('content LIKE @search');
    const params = {
      deviceId, chatJid, startMs: q.startMs, endMs: q.endMs, isFromMe: q.isFromMe ? 1 : 0,
      search: `%${q.search}%`, limit: q.limit, offset: q.offset,
    };
    const clause = where.join(' AND ');
    const rows = this.db
      .prepare(`SELECT * FROM messages WHERE ${clause} ORDER BY timestamp_ms DESC, seq DESC LIMIT @limit OFFSET @offset`)
      .all(params) as MessageRow[];
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE ${clause}`).get(params) as { n: number }).n;
    return { rows, total };
  }
}
