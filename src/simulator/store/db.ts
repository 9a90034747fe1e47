/**
 * `storages/chatstorage.db`: the binary keeps its device-slot registry, per-device webhook config and chat
 * history there, so the stand-in does too (with its own schema; nothing outside the process reads it).
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY,
  jid TEXT NOT NULL DEFAULT '',
  display_name TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  webhook_url TEXT NOT NULL DEFAULT '',
  webhook_secret TEXT NOT NULL DEFAULT '',
  webhook_events TEXT NOT NULL DEFAULT '',
  webhook_insecure_skip_verify INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS chats (
  device_id TEXT NOT NULL,
  jid TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  last_message_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  pinned INTEGER NOT NULL DEFAULT 0,
  ephemeral_expiration INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (device_id, jid)
);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  id TEXT NOT NULL,
  chat_jid TEXT NOT NULL,
  sender_jid TEXT NOT NULL,
  sender_display_name TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL DEFAULT '',
  timestamp_ms INTEGER NOT NULL,
  is_from_me INTEGER NOT NULL,
  media_type TEXT NOT NULL DEFAULT '',
  filename TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  file_length INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  mime_type TEXT NOT NULL DEFAULT '',
  starred INTEGER NOT NULL DEFAULT 0,
  sim_blob TEXT NOT NULL DEFAULT '',
  extra TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_chat ON messages (device_id, chat_jid, timestamp_ms);
CREATE UNIQUE INDEX IF NOT EXISTS messages_identity ON messages (device_id, chat_jid, id);
CREATE INDEX IF NOT EXISTS messages_id ON messages (device_id, id);
CREATE TABLE IF NOT EXISTS reactions (
  device_id TEXT NOT NULL,
  chat_jid TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sender_jid TEXT NOT NULL,
  emoji TEXT NOT NULL,
  is_from_me INTEGER NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  PRIMARY KEY (device_id, chat_jid, message_id, sender_jid)
);
CREATE TABLE IF NOT EXISTS sim_actions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  chat_jid TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}',
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sim_sent (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  route TEXT NOT NULL,
  phone TEXT NOT NULL,
  message TEXT,
  caption TEXT,
  filename TEXT,
  size INTEGER,
  at TEXT NOT NULL
);
`;

/** Columns added after the first release of this schema; older files get them on open. */
const ADDED_COLUMNS: readonly (readonly [table: string, column: string, declaration: string])[] = [
  ['chats', 'pinned', 'INTEGER NOT NULL DEFAULT 0'],
  ['chats', 'ephemeral_expiration', 'INTEGER NOT NULL DEFAULT 0'],
  ['messages', 'mime_type', "TEXT NOT NULL DEFAULT ''"],
  ['messages', 'starred', 'INTEGER NOT NULL DEFAULT 0'],
  ['messages', 'sim_blob', "TEXT NOT NULL DEFAULT ''"],
  ['messages', 'extra', "TEXT NOT NULL DEFAULT ''"],
];

export function openChatStorage(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // A committed row survives a crash of this process (all a test can do to it); fsync per write is not needed.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  for (const [table, column, declaration] of ADDED_COLUMNS) {
    const exists = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    const columns = exists ? (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]) : [];
    if (exists && !columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
  }
  db.exec(SCHEMA);
  return db;
}
