import type { Answer, Mode } from './answer.js';

/**
 * `@lid` → phone JID, per number, as the children's webhooks revealed them (`from_lid`, `chat_lid`). Only the
 * store's write side reads them (to key a chat by its phone JID), so there is no read side of its own.
 */
export interface AliasWrites<M extends Mode> {
  jidOf(phoneNumber: string, lid: string): Answer<M, string | undefined>;
  /** True when the alias is new, or now names another JID (the chats it joins must then merge). */
  put(phoneNumber: string, lid: string, jid: string): Answer<M, boolean>;
  deleteForNumber(phoneNumber: string): Answer<M, number>;
}
