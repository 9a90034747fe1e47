import type { ChatType, ConversationRow } from '../schema.js';
import type { Answer, Mode } from './answer.js';

export type ConversationPatch = Partial<Omit<ConversationRow, 'phoneNumber' | 'chatKey' | 'createdAt'>>;

/** Where a list page starts: strictly after this position in (lastKey, phoneNumber, chatKey) order. */
export interface ListPosition {
  readonly lastKey: number;
  readonly phoneNumber: string;
  readonly chatKey: string;
}

export interface ConversationListQuery {
  readonly phoneNumbers: readonly string[];
  /** Older activity than this position (the next page), or newer (`after`). */
  readonly before?: ListPosition;
  readonly after?: ListPosition;
  readonly unread?: boolean;
  readonly archived?: boolean;
  readonly type?: ChatType;
  /** Part of the chat's name or JID (case-insensitive for ASCII letters on both dialects). */
  readonly search?: string;
  readonly limit: number;
}

/** A chat the store is about to bump: created with these when it is new. */
export interface BumpedChat {
  readonly phoneNumber: string;
  readonly chatKey: string;
  readonly altJid: string | null;
  readonly type: ChatType;
  readonly name: string | null;
}

/** What a new message does to its chat: `counts` as unread (live, incoming), or `reads` it (live, from the phone). */
export interface BumpChange {
  readonly key: number;
  readonly counts: boolean;
  readonly reads: boolean;
  readonly now: number;
}

export interface UnreadTotal {
  readonly phoneNumber: string;
  readonly chats: number;
  readonly messages: number;
}

/** The store's chats as callers read them (services and routes), on either dialect. */
export interface ConversationReads {
  get(phoneNumber: string, chatKey: string): Promise<ConversationRow | undefined>;
  /** The chat whose `@lid` alias this is. */
  byAlt(phoneNumber: string, altJid: string): Promise<ConversationRow | undefined>;
  /**
   * Newest activity first, `limit` rows, keyset on (lastKey, phoneNumber, chatKey); `after` pages come back
   * newest first too.
   */
  list(query: ConversationListQuery): Promise<ConversationRow[]>;
  /** Per number with anything unread: how many chats, and how many messages in them (numbers with none left out). */
  unreadTotals(phoneNumbers: readonly string[]): Promise<UnreadTotal[]>;
  /** Chats with a known `@lid` alias (the only ones `merge=false` shows differently). */
  merged(phoneNumber: string): Promise<ConversationRow[]>;
}

/**
 * The store's chats as its write side changes them, inside the transaction that journals the event (SQLite: at
 * once, `'sync'`; Postgres: bound to the turn's transaction, `'async'`). Reads here see that transaction's writes.
 */
export interface ConversationWrites<M extends Mode> {
  get(phoneNumber: string, chatKey: string): Answer<M, ConversationRow | undefined>;
  byAlt(phoneNumber: string, altJid: string): Answer<M, ConversationRow | undefined>;
  insert(row: ConversationRow): Answer<M, ConversationRow>;
  /**
   * A message of the chat was stored, in one statement: the chat is created or moves up (never down: an old
   * backfilled message leaves its place alone); unread grows for a counted message after the read mark, and a
   * reading one reads the chat up to it. The name and alias are kept once known.
   */
  bump(chat: BumpedChat, change: BumpChange): Answer<M, ConversationRow>;
  /** Some columns; the row as it is now (undefined: no such chat). */
  update(phoneNumber: string, chatKey: string, patch: ConversationPatch): Answer<M, ConversationRow | undefined>;
  delete(phoneNumber: string, chatKey: string): Answer<M, void>;
  deleteForNumber(phoneNumber: string): Answer<M, number>;
  /** Retention: chats whose every message is older than `key` (those messages are gone). */
  deleteInactiveBefore(key: number): Answer<M, number>;
}
