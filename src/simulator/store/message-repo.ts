/**
 * Chat history per slot, as the binary keeps it in chatstorage.db: one row per (slot, chat, WhatsApp id),
 * written again (not duplicated) when the same message is stored twice, plus reactions per message.
 * `sim_blob` and `extra` are the stand-in's own columns: the bytes "on WhatsApp's media servers" that
 * `/message/{id}/download` fetches, and kind-specific data (poll options) that later events refer to.
 */
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
  mimeType?: string;
  /** File name under `storages/sim-media` holding the media bytes. */
  blob?: string;
  /** JSON with kind-specific data. */
  extra?: string;
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
  mime_type: string;
  starred: number;
  sim_blob: string;
  extra: string;
}

export interface ReactionRow {
  message_id: string;
  sender_jid: string;
  emoji: string;
  is_from_me: number;
  timestamp_ms: number;
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

  /**
   * Stores messages and bumps their chats in one transaction (a burst of 10 000, or a seeded history of
   * 100 000, stays fast). A message already stored (same slot, chat and id) is updated in place.
   */
  addMany(deviceId: string, messages: readonly StoredMessage[], chatName: (message: StoredMessage) => string): void {
    const upsert = this.db.prepare(
      `INSERT INTO messages (device_id, id, chat_jid, sender_jid, sender_display_name, content, timestamp_ms, is_from_me,
         media_type, filename, url, file_length, created_ms, updated_ms, mime_type, sim_blob, extra)
       VALUES (@deviceId, @id, @chatJid, @senderJid, @senderDisplayName, @content, @timestampMs, @isFromMe,
         @mediaType, @filename, @url, @fileLength, @now, @now, @mimeType, @blob, @extra)
       ON CONFLICT (device_id, chat_jid, id) DO UPDATE SET sender_jid = excluded.sender_jid,
         sender_display_name = excluded.sender_display_name, content = excluded.content, timestamp_ms = excluded.timestamp_ms,
         is_from_me = excluded.is_from_me, media_type = excluded.media_type, filename = excluded.filename, url = excluded.url,
         file_length = excluded.file_length, updated_ms = excluded.updated_ms, mime_type = excluded.mime_type,
         sim_blob = excluded.sim_blob, extra = excluded.extra`,
    );
    const upsertChat = this.db.prepare(
      `INSERT INTO chats (device_id, jid, name, last_message_ms, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, jid) DO UPDATE SET last_message_ms = MAX(last_message_ms, excluded.last_message_ms),
         updated_ms = excluded.updated_ms, name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END`,
    );
    this.db.transaction(() => {
      const now = Date.now();
      for (const m of messages) {
        upsert.run({
          ...m, deviceId, now, isFromMe: m.isFromMe ? 1 : 0, mimeType: m.mimeType ?? '', blob: m.blob ?? '', extra: m.extra ?? '',
        });
        upsertChat.run(deviceId, m.chatJid, chatName(m), m.timestampMs, now, now);
      }
    })();
  }

  /** By WhatsApp id in any chat of the slot (ids are unique in practice; the newest row wins). */
  find(deviceId: string, id: string): MessageRow | undefined {
    return this.db.prepare('SELECT * FROM messages WHERE device_id = ? AND id = ? ORDER BY seq DESC LIMIT 1').get(deviceId, id) as
      | MessageRow
      | undefined;
  }

  findInChat(deviceId: string, chatJid: string, id: string): MessageRow | undefined {
    return this.db.prepare('SELECT * FROM messages WHERE device_id = ? AND chat_jid = ? AND id = ?').get(deviceId, chatJid, id) as
      | MessageRow
      | undefined;
  }

  updateContent(deviceId: string, id: string, content: string): void {
    this.db.prepare('UPDATE messages SET content = ?, updated_ms = ? WHERE device_id = ? AND id = ?').run(content, Date.now(), deviceId, id);
  }

  setStarred(deviceId: string, id: string, starred: boolean): void {
    this.db.prepare('UPDATE messages SET starred = ?, updated_ms = ? WHERE device_id = ? AND id = ?').run(starred ? 1 : 0, Date.now(), deviceId, id);
  }

  /** The media is gone from WhatsApp's servers (`/_sim/expire-media`). */
  clearBlob(deviceId: string, id: string): number {
    return this.db.prepare("UPDATE messages SET sim_blob = '' WHERE device_id = ? AND id = ?").run(deviceId, id).changes;
  }

  remove(deviceId: string, id: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM messages WHERE device_id = ? AND id = ?').run(deviceId, id);
      this.db.prepare('DELETE FROM reactions WHERE device_id = ? AND message_id = ?').run(deviceId, id);
    })();
  }

  /** An empty emoji removes the sender's reaction, as WhatsApp does. */
  react(deviceId: string, chatJid: string, messageId: string, reaction: Omit<ReactionRow, 'message_id'>): void {
    if (reaction.emoji === '') {
      this.db.prepare('DELETE FROM reactions WHERE device_id = ? AND chat_jid = ? AND message_id = ? AND sender_jid = ?')
        .run(deviceId, chatJid, messageId, reaction.sender_jid);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO reactions (device_id, chat_jid, message_id, sender_jid, emoji, is_from_me, timestamp_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, chat_jid, message_id, sender_jid) DO UPDATE SET emoji = excluded.emoji,
           is_from_me = excluded.is_from_me, timestamp_ms = excluded.timestamp_ms`,
      )
      .run(deviceId, chatJid, messageId, reaction.sender_jid, reaction.emoji, reaction.is_from_me, reaction.timestamp_ms);
  }

  reactions(deviceId: string, chatJid: string, messageIds: readonly string[]): Map<string, ReactionRow[]> {
    const byMessage = new Map<string, ReactionRow[]>();
    if (messageIds.length === 0) return byMessage;
    const rows = this.db
      .prepare(
        `SELECT message_id, sender_jid, emoji, is_from_me, timestamp_ms FROM reactions
         WHERE device_id = ? AND chat_jid = ? AND message_id IN (SELECT value FROM json_each(?)) ORDER BY timestamp_ms`,
      )
      .all(deviceId, chatJid, JSON.stringify(messageIds)) as ReactionRow[];
    for (const row of rows) byMessage.set(row.message_id, [...(byMessage.get(row.message_id) ?? []), row]);
    return byMessage;
  }

  /**
   * A page of a chat, newest first, as the binary pages it. With `search` the binary runs a separate text
   * search that honours only `limit` (no offset, no other filter).
   */
  messages(deviceId: string, chatJid: string, q: MessageQuery): MessageRow[] {
    if (q.search !== '') {
      return this.db
        .prepare(
          `SELECT * FROM messages WHERE device_id = ? AND chat_jid = ? AND content LIKE ? ESCAPE '\\'
           ORDER BY timestamp_ms DESC, seq DESC LIMIT ?`,
        )
        .all(deviceId, chatJid, `%${escapeLike(q.search)}%`, q.limit) as MessageRow[];
    }
    const where = ['device_id = @deviceId', 'chat_jid = @chatJid'];
    if (q.startMs !== undefined) where.push('timestamp_ms >= @startMs');
    if (q.endMs !== undefined) where.push('timestamp_ms <= @endMs');
    if (q.mediaOnly) where.push("media_type NOT IN ('', 'call')");
    if (q.isFromMe !== undefined) where.push('is_from_me = @isFromMe');
    const params = { deviceId, chatJid, startMs: q.startMs, endMs: q.endMs, isFromMe: q.isFromMe ? 1 : 0, limit: q.limit, offset: q.offset };
    return this.db
      .prepare(`SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY timestamp_ms DESC, seq DESC LIMIT @limit OFFSET @offset`)
      .all(params) as MessageRow[];
  }

  /** Every message of the chat: the binary's `total`, whatever the filters of the page were. */
  count(deviceId: string, chatJid: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM messages WHERE device_id = ? AND chat_jid = ?').get(deviceId, chatJid) as { n: number }).n;
  }
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
