import type { StoredDirection, StoredMessageColumns, StoredMessageRow, StoredMessageType } from '../schema.js';
import type { Answer, Mode } from './answer.js';

export type NewStoredMessage = Omit<StoredMessageColumns, 'key'>;
export type StoredMessagePatch = Partial<Omit<StoredMessageColumns, 'key' | 'outboxId' | 'phoneNumber'>>;

/** A page of one chat: keyset bounds on `key` and the filters the API offers. */
export interface ChatPageQuery {
  readonly phoneNumber: string;
  readonly chatKey: string;
  /** Only messages that came under this JID (`merge=false`). */
  readonly chatJid?: string;
  /** Exclusive bounds. */
  readonly belowKey?: number;
  readonly aboveKey?: number;
  /** Inclusive time range, as keys. */
  readonly fromKey?: number;
  readonly toKey?: number;
  readonly direction?: StoredDirection;
  readonly types?: readonly StoredMessageType[];
  readonly hasMedia?: boolean;
  readonly limit: number;
  /** `asc` walks forward from `aboveKey` (newer messages); `desc` backward from `belowKey`. */
  readonly order: 'asc' | 'desc';
}

/** One side of a merged chat (`merge=false`): the JID its messages came under. */
export interface ChatThread {
  readonly jid: string;
  readonly lastKey: number;
  /** Live incoming messages after the chat's read mark. */
  readonly unread: number;
}

/** The store's messages as callers read them (history pages, a message by id, the chats' last messages). */
export interface StoredMessageReads {
  /** By public id: `m…` (a key) or an outbox message's id. */
  byId(id: string): Promise<StoredMessageRow | undefined>;
  byKey(key: number): Promise<StoredMessageRow | undefined>;
  byKeys(keys: readonly number[]): Promise<Map<number, StoredMessageRow>>;
  page(query: ChatPageQuery): Promise<StoredMessageRow[]>;
  /** Per JID a chat's messages came under: newest key, and live incoming ones after `readKey`. */
  threadsOf(phoneNumber: string, chatKey: string, readKey: number): Promise<ChatThread[]>;
  /** The newest live incoming messages after `key` that have a WhatsApp id, newest first (the receipts a "mark read" sends). */
  unreadMessages(phoneNumber: string, chatKey: string, key: number, limit: number): Promise<StoredMessageRow[]>;
  /**
   * Outbox messages changed since `since` whose store row is missing or behind (a process killed between the
   * outbox's write and the journal's): their ids, oldest first.
   */
  outboxBehind(since: number): Promise<string[]>;
  count(): Promise<number>;
}

/**
 * The store's messages as its write side changes them, inside the transaction that journals the event (SQLite:
 * at once; Postgres: bound to that transaction). Unique on (number, WhatsApp id) and on the outbox id.
 */
export interface StoredMessageWrites<M extends Mode> {
  byWaId(phoneNumber: string, waId: string): Answer<M, StoredMessageRow | undefined>;
  byId(id: string): Answer<M, StoredMessageRow | undefined>;
  byKey(key: number): Answer<M, StoredMessageRow | undefined>;
  byWaIds(phoneNumber: string, waIds: readonly string[]): Answer<M, StoredMessageRow[]>;
  page(query: ChatPageQuery): Answer<M, StoredMessageRow[]>;
  /** Stored at the first free key of `orderAt` (its time in ms; a full millisecond spills into the next). */
  insert(orderAt: number, message: NewStoredMessage): Answer<M, StoredMessageRow>;
  /** Some columns; the row as it is now. */
  update(key: number, patch: StoredMessagePatch): Answer<M, StoredMessageRow | undefined>;
  delete(key: number): Answer<M, void>;
  /** Live incoming messages of a chat after `key` (the unread count after a read up to `key`). */
  unreadAfter(phoneNumber: string, chatKey: string, key: number): Answer<M, number>;
  /** Messages that came under `from` (an `@lid`) now belong to the chat `to`; each keeps the JID it came under. */
  moveChat(phoneNumber: string, from: string, to: string): Answer<M, number>;
  deleteForNumber(phoneNumber: string): Answer<M, number>;
  /** Retention: every message older than `key`. */
  deleteBefore(key: number): Answer<M, number>;
}
