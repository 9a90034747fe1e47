import type { ChatwootBindingRow, ChatwootCommandRow, chatwootBindings } from '../schema-chatwoot.js';
import type { AuditLink } from './audit.js';
import type { NewJob } from './chatwoot-jobs.js';

export type NewBinding = typeof chatwootBindings.$inferInsert;
export type BindingPatch = Partial<Omit<ChatwootBindingRow, 'phoneNumber' | 'createdAt'>>;
export type NewCommand = Omit<ChatwootCommandRow, 'id' | 'createdAt'>;

/** A stored message of the conversation store, as the history import names it. */
export interface StoredRef {
  readonly id: string;
  readonly chatKey: string;
}

/** The history import of a binding that is new: steps for the number's stored messages, queued with the binding. */
export interface HistoryImport {
  /** The conversation store's messages of the number from this key on, oldest first. */
  readonly fromKey: number;
  /** Synchronous and pure: the steps for those messages, run inside the bind's transaction on what is stored there. */
  steps(stored: readonly StoredRef[]): NewJob[];
}

/** What one bind writes. */
export interface BindingSave {
  /**
   * The binding as it is to be. A binding of the number on the same inbox (address, account, inbox id) is changed
   * in place, keeping its creation time and import flag; one on another inbox goes first with everything the
   * bridge kept for it (what it knew of the old inbox means nothing in the new one), and the row is new.
   */
  readonly row: NewBinding;
  /** Queued only when the row is new (not for a change in place); null: no import. */
  readonly history: HistoryImport | null;
}

export interface BindingSaved {
  readonly row: ChatwootBindingRow;
  /** The history import's steps that were queued (their lanes are to be woken). */
  readonly queued: readonly NewJob[];
}

/** A binding changed in place: the columns a bind sets (not the number, the creation time or the import flag). */
export function inPlace(row: NewBinding): BindingPatch {
  const { phoneNumber: _number, createdAt: _created, updatedAt: _updated, importPending: _pending, ...patch } = row;
  return patch;
}

/** Whether a bind keeps the binding's inbox (so it is changed in place). */
export function sameInbox(current: Pick<ChatwootBindingRow, 'baseUrl' | 'accountId' | 'inboxId'>, next: Pick<NewBinding, 'baseUrl' | 'accountId' | 'inboxId'>): boolean {
  return current.baseUrl === next.baseUrl && current.accountId === next.accountId && current.inboxId === next.inboxId;
}

/**
 * Chatwoot bindings (a number ↔ an API inbox), the webhook deliveries already taken and the command log, kept by
 * either dialect. A number has one binding and an inbox (address, account, inbox id) one number: a second insert of
 * either is refused by the database.
 */
export interface ChatwootBindingStore {
  insert(row: NewBinding): Promise<ChatwootBindingRow>;
  get(phoneNumber: string): Promise<ChatwootBindingRow | undefined>;
  byHook(hookId: string): Promise<ChatwootBindingRow | undefined>;
  byInbox(baseUrl: string, accountId: number, inboxId: number): Promise<ChatwootBindingRow | undefined>;
  /** Oldest first. */
  list(): Promise<ChatwootBindingRow[]>;
  update(phoneNumber: string, patch: BindingPatch): Promise<ChatwootBindingRow | undefined>;
  /**
   * A bind in one commit: the row (see `BindingSave`, decided on the row as it is inside the transaction), the
   * history import's steps when it is new, and its audit row. A unique violation when the inbox or webhook path is
   * another number's (nothing written).
   */
  bind(save: BindingSave, audit?: AuditLink): Promise<BindingSaved>;
  /**
   * The binding and everything the bridge kept for it (contacts, links, posts, queued steps, receipts), with the
   * audit row, in one commit; false (and no audit row) when there was no binding.
   */
  deleteAll(phoneNumber: string, audit?: AuditLink): Promise<boolean>;
  /** Remember a webhook delivery; false when it was taken before (a duplicate), also by another gateway at once. */
  receive(key: string, phoneNumber: string): Promise<boolean>;
  pruneReceipts(before: number): Promise<number>;
  /** One row per command message, with its audit row in one commit; false (nothing written) when this delivery was logged before (not run twice). */
  logCommand(row: NewCommand, audit?: AuditLink): Promise<boolean>;
  /** Oldest first. */
  commands(limit?: number): Promise<ChatwootCommandRow[]>;
}
