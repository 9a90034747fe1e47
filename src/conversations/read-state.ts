import type { Principal } from '../auth/principal.js';
import type { StoredMessageReads } from '../db/ports/stored-messages.js';
import type { FeedDraft } from '../events/feed-message.js';
import type { EventJournal } from '../events/journal.js';
import type { GowaClient } from '../gowa/client.js';
import type { Logger } from '../lib/logger.js';
import type { ConversationService } from './service.js';
import type { ConversationView } from './views.js';

/** Most read receipts one "mark read" sends (the newest unread messages; WhatsApp shows the chat read after them). */
const MAX_RECEIPTS = 50;

export interface ReadStateDeps {
  readonly service: ConversationService;
  readonly messages: StoredMessageReads;
  readonly journal: Pick<EventJournal, 'record'>;
  /** The number's child while it runs logged in, else null. */
  readonly child: (phoneNumber: string) => GowaClient | null;
  readonly portOf: (phoneNumber: string) => number | null;
  readonly logger: Logger;
}

export interface ReadResult {
  readonly chat: ConversationView;
  /** What WhatsApp was told: read receipts for the unread messages, through the number's process. */
  readonly whatsapp: { readonly receipts: number; readonly sent: number; readonly error: string | null };
}

/**
 * "Mark a chat read": the store clears the unread count in the transaction of a journaled `chat.read` event (so
 * every client sees it in the number's stream), then the child sends WhatsApp a read receipt for each message
 * that was unread. A stopped number still gets its store cleared; the answer says WhatsApp was not told.
 */
export class ReadState {
  constructor(private readonly deps: ReadStateDeps) {}

  async markRead(principal: Principal, phoneNumber: string, chatId: string): Promise<ReadResult> {
    const { service, messages, journal } = this.deps;
    const phone = service.number(principal, phoneNumber, 'messages:send');
    const { row } = await service.resolve(phone, chatId, true);
    const unread = await messages.unreadMessages(phone, row.chatKey, row.readKey, MAX_RECEIPTS);
    const draft: FeedDraft = { source: 'gateway', event: 'chat.read', outbound: true, body: { type: 'chat', change: 'read', chatId: row.chatKey } };
    journal.record(phone, this.deps.portOf(phone), draft);
    const chat = await service.chat(principal, phone, row.chatKey);
    const { asOf: _asOf, ...view } = chat;
    if (unread.length === 0) return { chat: view, whatsapp: { receipts: 0, sent: 0, error: null } };
    const client = this.deps.child(phone);
    if (!client) return { chat: view, whatsapp: { receipts: unread.length, sent: 0, error: 'the number is not running logged in: WhatsApp was not told' } };
    let sent = 0;
    let error: string | null = null;
    for (const message of unread) {
      try {
        await client.markRead(message.waId ?? '', message.chatJid ?? message.chatKey);
        sent++;
      } catch (err) {
        error = (err as Error).message;
        this.deps.logger.warn({ phoneNumber: phone, waId: message.waId, err: error }, 'a read receipt was refused by the child');
      }
    }
    return { chat: view, whatsapp: { receipts: unread.length, sent, error } };
  }
}
