import type { AliasWrites } from '../db/ports/aliases.js';
import type { ConversationWrites } from '../db/ports/conversations.js';
import type { StoredMessageWrites } from '../db/ports/stored-messages.js';
import type { ConversationRow } from '../db/schema.js';
import { chatKindOf, isGroupJid, isLidJid } from '../domain/jid.js';
import type { Alias } from './parse-webhook.js';
import type { StoreChange } from './types.js';

export interface ChatIdentity {
  /** The chat's row key: the phone JID when known, else the `@lid`; a group's JID. */
  readonly chatKey: string;
  /** The JID the message came under (for `merge=false`). */
  readonly rawJid: string;
  /** The `@lid` alias of a direct chat, when known. */
  readonly altJid: string | null;
}

export interface IdentityRepos {
  readonly messages: StoredMessageWrites<'sync'>;
  readonly conversations: ConversationWrites<'sync'>;
  readonly aliases: AliasWrites<'sync'>;
}

/**
 * One chat per person: WhatsApp names a contact by phone JID or by `@lid`, and the binary reports both when it
 * knows both (`chat_id` + `chat_lid`, `from` + `from_lid`). The store keys the chat by the phone JID and keeps
 * the `@lid` as its alias; a chat first seen as `@lid` alone is merged once a payload reveals the phone JID.
 */
export class ChatIdentities {
  constructor(private readonly repos: IdentityRepos) {}

  resolve(phoneNumber: string, chatJid: string, chatLid: string | null): ChatIdentity {
    if (isGroupJid(chatJid)) return { chatKey: chatJid, rawJid: chatJid, altJid: null };
    if (isLidJid(chatJid)) {
      const known = this.repos.aliases.jidOf(phoneNumber, chatJid);
      return { chatKey: known ?? chatJid, rawJid: chatJid, altJid: known ? chatJid : null };
    }
    return { chatKey: chatJid, rawJid: chatLid ?? chatJid, altJid: chatLid };
  }

  /** Record aliases a payload revealed; a chat kept under a now-known `@lid` joins its phone JID's chat. */
  learn(phoneNumber: string, aliases: readonly Alias[], now: number): StoreChange[] {
    const changes: StoreChange[] = [];
    for (const { lid, jid } of aliases) {
      if (!this.repos.aliases.put(phoneNumber, lid, jid)) continue;
      changes.push(...this.merge(phoneNumber, lid, jid, now));
    }
    return changes;
  }

  private merge(phoneNumber: string, lid: string, jid: string, now: number): StoreChange[] {
    const { conversations, messages } = this.repos;
    const fromLid = conversations.get(phoneNumber, lid);
    const target = conversations.get(phoneNumber, jid);
    if (!fromLid) {
      if (!target || target.altJid === lid) return [];
      const updated = conversations.update(phoneNumber, jid, { altJid: lid, updatedAt: now });
      return updated ? [{ kind: 'conversation.updated', conversation: updated }] : [];
    }
    messages.moveChat(phoneNumber, lid, jid);
    conversations.delete(phoneNumber, lid);
    let merged: ConversationRow | undefined;
    if (!target) {
      merged = conversations.insert({ ...fromLid, chatKey: jid, altJid: lid, type: chatKindOf(jid), updatedAt: now });
    } else {
      merged = conversations.update(phoneNumber, jid, {
        altJid: lid,
        name: target.name ?? fromLid.name,
        lastKey: Math.max(target.lastKey, fromLid.lastKey),
        readKey: Math.max(target.readKey, fromLid.readKey),
        unread: target.unread + fromLid.unread,
        archived: target.archived && fromLid.archived,
        pinned: target.pinned || fromLid.pinned,
        updatedAt: now,
      });
    }
    const changes: StoreChange[] = [{ kind: 'conversation.removed', phoneNumber, chatKey: lid, mergedInto: jid }];
    if (merged) changes.push({ kind: 'conversation.updated', conversation: merged });
    return changes;
  }
}
