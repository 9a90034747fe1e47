import type { ChatwootBindingRow, ChatwootCommandRow, chatwootBindings } from '../schema-chatwoot.js';

export type NewBinding = typeof chatwootBindings.$inferInsert;
export type BindingPatch = Partial<Omit<ChatwootBindingRow, 'phoneNumber' | 'createdAt'>>;
export type NewCommand = Omit<ChatwootCommandRow, 'id' | 'createdAt'>;

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
  /** The binding and everything the bridge kept for it (contacts, links, posts, queued steps, receipts), in one commit. */
  deleteAll(phoneNumber: string): Promise<boolean>;
  /** Remember a webhook delivery; false when it was taken before (a duplicate), also by another gateway at once. */
  receive(key: string, phoneNumber: string): Promise<boolean>;
  pruneReceipts(before: number): Promise<number>;
  /** One row per command message; false when this delivery was logged before (not run twice). */
  logCommand(row: NewCommand): Promise<boolean>;
  /** Oldest first. */
  commands(limit?: number): Promise<ChatwootCommandRow[]>;
}
