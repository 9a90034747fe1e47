/**
 * What this number did on WhatsApp besides sending messages (marked a chat read, starred, archived, typed…),
 * per slot, for `GET /_sim/actions`: the stand-in's record of "what the phone would now show". Kept in
 * chatstorage.db so it survives a restart, like the sent log.
 */
import type { Db } from './db.js';

export const ACTION_KINDS = [
  'read', 'reaction', 'revoke', 'delete', 'update', 'star', 'unstar', 'archive', 'unarchive', 'pin', 'unpin',
  'presence', 'chat_presence',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface ActionEntry {
  kind: ActionKind;
  chat_jid: string;
  message_id: string;
  detail: Record<string, unknown>;
  at: string;
}

interface ActionRow {
  kind: ActionKind;
  chat_jid: string;
  message_id: string;
  detail: string;
  at: string;
}

export class ActionRepo {
  constructor(private readonly db: Db) {}

  add(deviceId: string, kind: ActionKind, chatJid: string, messageId: string, detail: Record<string, unknown> = {}): void {
    this.db
      .prepare('INSERT INTO sim_actions (device_id, kind, chat_jid, message_id, detail, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(deviceId, kind, chatJid, messageId, JSON.stringify(detail), new Date().toISOString());
  }

  list(deviceId: string, kind?: ActionKind): ActionEntry[] {
    const rows = (kind
      ? this.db.prepare('SELECT * FROM sim_actions WHERE device_id = ? AND kind = ? ORDER BY seq').all(deviceId, kind)
      : this.db.prepare('SELECT * FROM sim_actions WHERE device_id = ? ORDER BY seq').all(deviceId)) as ActionRow[];
    return rows.map((row) => ({
      kind: row.kind,
      chat_jid: row.chat_jid,
      message_id: row.message_id,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
      at: row.at,
    }));
  }
}
