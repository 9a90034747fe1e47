import type { ChatwootStateStore } from '../../db/ports/chatwoot-state.js';
import type { ChatwootContactRow } from '../../db/schema.js';
import { SOURCE_PREFIX } from '../../domain/chatwoot.js';
import { isGroupJid, phoneOfJid } from '../../domain/jid.js';
import type { ActiveBinding } from '../bindings/bindings.js';
import { ChatwootError } from '../client/errors.js';
import type { CwContact } from '../client/types.js';

/** A chat of the store as the bridge needs it to find or make its Chatwoot contact. */
export interface ChatFacts {
  readonly chatKey: string;
  /** The `@lid` of a person also known by phone JID. */
  readonly altJid: string | null;
  readonly name: string | null;
}

/** Our contact-inbox source id for a chat: stable, so every conversation of the chat hangs off one contact inbox. */
export const contactSourceId = (chatKey: string): string => `${SOURCE_PREFIX}${chatKey}`;

/**
 * One Chatwoot contact per chat (chatwoot.md BR-6): a person by exact E.164 phone (Chatwoot's search is a
 * substring match, so only an exact hit counts), a person known only by `@lid` and a group by `identifier`
 * (never a LID or a group id in `phone_number`); our own source id on the contact inbox; names set by hand are
 * never overwritten. Conversations follow the binding's reopen policy.
 */
export class ContactSync {
  constructor(private readonly state: ChatwootStateStore) {}

  /** The conversation a message of this chat goes to, made if needed. */
  async conversationFor(binding: ActiveBinding, chat: ChatFacts): Promise<{ contact: ChatwootContactRow; conversationId: number }> {
    const contact = await this.contactFor(binding, chat);
    const keep = contact.conversationId !== null && (binding.options.reopenConversations || contact.conversationStatus !== 'resolved');
    if (keep && contact.conversationId !== null) return { contact, conversationId: contact.conversationId };
    const status = binding.options.pendingConversations ? 'pending' : 'open';
    const created = await binding.client.createConversation({ inbox_id: binding.row.inboxId, contact_id: contact.contactId, source_id: contact.sourceId, status });
    await this.state.setConversation(binding.phoneNumber, chat.chatKey, created.id, created.status ?? status);
    return { contact: { ...contact, conversationId: created.id, conversationStatus: created.status ?? status }, conversationId: created.id };
  }

  /** Chatwoot no longer has the conversation (deleted by an agent): the next message opens a new one. */
  async forgetConversation(phoneNumber: string, chatKey: string): Promise<void> {
    await this.state.setConversation(phoneNumber, chatKey, null, null);
  }

  async forgetContact(phoneNumber: string, chatKey: string): Promise<void> {
    await this.state.deleteContact(phoneNumber, chatKey);
  }

  async contactFor(binding: ActiveBinding, chat: ChatFacts): Promise<ChatwootContactRow> {
    const known = await this.state.contact(binding.phoneNumber, chat.chatKey);
    if (known) return known;
    const sourceId = contactSourceId(chat.chatKey);
    const contact = (await this.find(binding, chat)) ?? (await this.create(binding, chat));
    await binding.client.contactInbox(contact.id, binding.row.inboxId, sourceId);
    return this.state.putContact({ phoneNumber: binding.phoneNumber, chatKey: chat.chatKey, contactId: contact.id, sourceId, conversationId: null, conversationStatus: null });
  }

  private async find(binding: ActiveBinding, chat: ChatFacts): Promise<CwContact | null> {
    const phone = phoneOfJid(chat.chatKey);
    if (phone) {
      const e164 = `+${phone}`;
      return (await binding.client.searchContacts(e164)).find((c) => c.phone_number === e164) ?? null;
    }
    return (await binding.client.searchContacts(chat.chatKey)).find((c) => c.identifier === chat.chatKey) ?? null;
  }

  private async create(binding: ActiveBinding, chat: ChatFacts): Promise<CwContact> {
    const phone = phoneOfJid(chat.chatKey);
    const attributes: Record<string, string> = { whatsapp_jid: chat.chatKey };
    if (chat.altJid) attributes['whatsapp_lid'] = chat.altJid;
    const body: Record<string, unknown> = {
      name: chat.name ?? (phone ? `+${phone}` : isGroupJid(chat.chatKey) ? `Group ${chat.chatKey.split('@')[0]}` : chat.chatKey.split('@')[0]),
      custom_attributes: attributes,
      additional_attributes: { source: 'whatsapp', ...(isGroupJid(chat.chatKey) ? { type: 'group' } : {}) },
    };
    if (phone) body['phone_number'] = `+${phone}`;
    else body['identifier'] = chat.chatKey;
    try {
      return (await binding.client.createContact(body)).contact;
    } catch (err) {
      // Taken meanwhile (another binding of the account, a parallel create): the contact exists, find it again.
      if (err instanceof ChatwootError && err.status === 422) {
        const again = await this.find(binding, chat);
        if (again) return again;
      }
      throw err;
    }
  }
}

/** The chat key our contact-inbox source id names, when a webhook's conversation carries one. */
export function chatKeyOfSource(sourceId: unknown): string | null {
  if (typeof sourceId !== 'string' || !sourceId.startsWith(SOURCE_PREFIX)) return null;
  const key = sourceId.slice(SOURCE_PREFIX.length);
  return /^[0-9A-Za-z._-]{1,64}@(s\.whatsapp\.net|g\.us|lid)$/.test(key) ? key : null;
}
