import type { AliasWrites } from '../db/ports/aliases.js';
import type { AnnotationWrites } from '../db/ports/annotations.js';
import type { ConversationWrites } from '../db/ports/conversations.js';
import type { StoredMessagePatch, StoredMessageWrites } from '../db/ports/stored-messages.js';
import { keyOfTime } from '../db/repositories/stored-message-rows.js';
import type { AnnotationRow, ConversationRow, StoredMessageRow, StoredStatus } from '../db/schema.js';
import { chatKindOf } from '../domain/jid.js';
import { ChatIdentities, type ChatIdentity } from './chat-identity.js';
import type { Alias } from './parse-webhook.js';
import { advanceStatus } from './status-rules.js';
import type { StoreAction, StoreChange, StoreInput } from './types.js';

export interface StoreRepos {
  readonly messages: StoredMessageWrites<'sync'>;
  readonly conversations: ConversationWrites<'sync'>;
  readonly annotations: AnnotationWrites<'sync'>;
  readonly aliases: AliasWrites<'sync'>;
}

/** An outbox status change or a proxied send, as the journal carries it (FeedMessageBody `outgoing`). */
export interface OutgoingUpdate {
  readonly messageId: string | null;
  readonly status: StoredStatus;
  readonly to: string;
  readonly waMessageId: string | null;
  readonly error: string | null;
  readonly via: 'api' | 'proxy';
  readonly input: StoreInput | null;
  readonly at: number;
}

/** A chat as the child's `/chats` lists it (history backfill). */
export interface HistoryChat {
  readonly jid: string;
  readonly name: string | null;
  readonly lastActivity: number | null;
  readonly archived: boolean;
}

/**
 * The store's write side. Every method runs synchronously inside its caller's transaction (the journal's, for
 * live events; a page's, for the backfill) and returns what it changed. Idempotent on (number, WhatsApp id):
 * a message stored once is never stored again, whichever way it comes back.
 */
export class ConversationStore {
  private readonly identities: ChatIdentities;

  constructor(
    private readonly repos: StoreRepos,
    private readonly now: () => number,
  ) {
    this.identities = new ChatIdentities(repos);
  }

  /** A message (incoming, sent from the phone, from history). */
  ingest(phoneNumber: string, input: StoreInput, learnt: readonly Alias[] = []): StoreChange[] {
    const changes = this.identities.learn(phoneNumber, learnt, this.now());
    const existing = this.find(phoneNumber, input);
    if (existing) return changes;
    changes.push(...this.insert(phoneNumber, input));
    return changes;
  }

  /** A reaction, vote, edit or deletion; kept even when its target is not stored (yet). */
  act(phoneNumber: string, action: StoreAction, learnt: readonly Alias[] = []): StoreChange[] {
    const changes = this.identities.learn(phoneNumber, learnt, this.now());
    const { annotations } = this.repos;
    const actor = action.kind === 'reaction' || action.kind === 'vote' ? action.actor : '';
    const changed =
      action.kind === 'reaction' && action.emoji === ''
        ? annotations.remove(phoneNumber, action.targetWaId, 'reaction', actor, action.at)
        : annotations.put({ phoneNumber, targetWaId: action.targetWaId, kind: action.kind, actor, value: valueOf(action), at: action.at });
    const target = this.repos.messages.byWaId(phoneNumber, action.targetWaId);
    if (!changed || !target) return changes;
    const updated = action.kind === 'reaction' || action.kind === 'vote' ? target : this.applyAnnotation(target, { kind: action.kind, value: valueOf(action), at: action.at });
    changes.push({ kind: 'message.updated', message: updated });
    changes.push(...this.lastMessageOf(updated));
    return changes;
  }

  /** An outbox status change (`via: api`) or a proxied send (`via: proxy`). */
  outgoing(phoneNumber: string, update: OutgoingUpdate): StoreChange[] {
    const row = update.via === 'api' && update.messageId ? this.repos.messages.byId(update.messageId) : update.waMessageId ? this.repos.messages.byWaId(phoneNumber, update.waMessageId) : undefined;
    if (!row) return update.input ? this.insert(phoneNumber, update.input) : [];
    if (update.via === 'proxy') return [];
    const patch: StoredMessagePatch = { ...advanceStatus(row, update.status, update.at), ...(update.error ? { error: update.error } : {}) };
    if (update.waMessageId && row.waId !== update.waMessageId) {
      this.takeWaId(phoneNumber, update.waMessageId, row.key);
      patch.waId = update.waMessageId;
      Object.assign(patch, this.earlyReceipts(phoneNumber, update.waMessageId, { ...row, ...patch }));
    }
    if (Object.keys(patch).length === 0) return [];
    const moved = this.repos.messages.update(row.key, { ...patch, updatedAt: this.now() });
    if (!moved) return [];
    // A status change does not announce the chat again: `message.status` names the message (and its chat), and a
    // list showing it as the chat's last message updates its ticks from that.
    return [{ kind: 'message.status', message: moved }];
  }

  /** `message.ack`: delivered / read move this number's sent messages forward; `read-self` reads incoming ones. */
  receipt(phoneNumber: string, waIds: readonly string[], receipt: 'delivered' | 'read' | 'read-self', at: number): StoreChange[] {
    const rows = this.repos.messages.byWaIds(phoneNumber, waIds);
    if (receipt === 'read-self') return this.readUpTo(phoneNumber, rows.filter((r) => r.direction === 'in'));
    // A receipt can beat its message's id (a send whose answer was lost is matched later): kept for it.
    const known = new Set(rows.map((r) => r.waId));
    for (const waId of waIds) {
      if (!known.has(waId)) this.repos.annotations.put({ phoneNumber, targetWaId: waId, kind: 'receipt', actor: receipt, value: {}, at });
    }
    const changes: StoreChange[] = [];
    for (const row of rows) {
      if (row.direction !== 'out') continue;
      const patch = advanceStatus(row, receipt, at);
      if (Object.keys(patch).length === 0) continue;
      const moved = this.repos.messages.update(row.key, { ...patch, updatedAt: this.now() });
      if (!moved) continue;
      changes.push({ kind: 'message.status', message: moved });
    }
    return changes;
  }

  /** The chat was read (through the API): nothing in it is unread any more. */
  markRead(phoneNumber: string, chatKey: string): StoreChange[] {
    const chat = this.repos.conversations.get(phoneNumber, chatKey);
    if (!chat || (chat.unread === 0 && chat.readKey >= chat.lastKey)) return [];
    const updated = this.repos.conversations.update(phoneNumber, chatKey, { unread: 0, readKey: Math.max(chat.readKey, chat.lastKey), updatedAt: this.now() });
    return updated ? [{ kind: 'conversation.updated', conversation: updated }] : [];
  }

  /** A chat from the child's `/chats`: created if new; its name and archived flag are the phone's. */
  upsertChat(phoneNumber: string, chat: HistoryChat): ConversationRow {
    const identity = this.identities.resolve(phoneNumber, chat.jid, null);
    const existing = this.repos.conversations.get(phoneNumber, identity.chatKey);
    const lastKey = chat.lastActivity ? keyOfTime(chat.lastActivity) : 0;
    if (!existing) return this.repos.conversations.insert(this.newChat(phoneNumber, identity, chat.name, lastKey, chat.archived));
    return (
      this.repos.conversations.update(phoneNumber, identity.chatKey, {
        name: chat.name ?? existing.name,
        archived: chat.archived,
        lastKey: Math.max(existing.lastKey, lastKey),
        updatedAt: this.now(),
      }) ?? existing
    );
  }

  /** Whether the store has this message (by WhatsApp id, or by its outbox id). */
  has(phoneNumber: string, input: StoreInput): boolean {
    return this.find(phoneNumber, input) !== undefined;
  }

  private find(phoneNumber: string, input: StoreInput): StoredMessageRow | undefined {
    if (input.id) return this.repos.messages.byId(input.id);
    return input.waId ? this.repos.messages.byWaId(phoneNumber, input.waId) : undefined;
  }

  private insert(phoneNumber: string, input: StoreInput): StoreChange[] {
    const now = this.now();
    const identity = this.identities.resolve(phoneNumber, input.chatJid, input.chatLid);
    const direction = input.fromMe ? 'out' : 'in';
    let row = this.repos.messages.insert(input.orderAt ?? input.at, {
      outboxId: input.id ?? null,
      phoneNumber,
      chatKey: identity.chatKey,
      chatJid: identity.rawJid === identity.chatKey ? null : identity.rawJid,
      waId: input.waId,
      direction,
      type: input.type,
      senderJid: input.senderJid,
      senderLid: input.senderLid,
      senderName: input.senderName,
      text: input.text,
      fileName: input.fileName,
      media: input.media ? { ...input.media } : null,
      content: input.content && Object.keys(input.content).length > 0 ? input.content : null,
      status: input.status,
      error: input.error ?? null,
      at: input.at,
      sentAt: input.sentAt ?? null,
      deliveredAt: null,
      readAt: null,
      editedAt: null,
      deletedAt: null,
      source: input.source,
      createdAt: now,
      updatedAt: now,
    });
    const annotations = row.waId ? this.repos.annotations.forTargets(phoneNumber, [row.waId]) : [];
    for (const annotation of annotations) {
      // Edits, deletions and receipts that arrived before their message.
      if (annotation.kind === 'edit' || annotation.kind === 'revoke' || annotation.kind === 'delete') row = this.applyAnnotation(row, annotation);
      if (annotation.kind === 'receipt' && row.direction === 'out') row = this.repos.messages.update(row.key, advanceStatus(row, annotation.actor as 'delivered' | 'read', annotation.at)) ?? row;
    }
    return [
      { kind: 'message.new', message: row, annotations },
      { kind: 'conversation.updated', conversation: this.bumpChat(phoneNumber, identity, row, input.chatName) },
    ];
  }

  /** The chat moves up to the message; a live incoming one is unread, a live one sent from the phone reads the chat. */
  private bumpChat(phoneNumber: string, identity: ChatIdentity, row: StoredMessageRow, name: string | null): ConversationRow {
    const live = row.source === 'live';
    return this.repos.conversations.bump(
      { phoneNumber, chatKey: identity.chatKey, altJid: identity.altJid, type: chatKindOf(identity.chatKey), name },
      { key: row.key, counts: live && row.direction === 'in', reads: live && row.direction === 'out', now: this.now() },
    );
  }

  private newChat(phoneNumber: string, identity: ChatIdentity, name: string | null, lastKey: number, archived: boolean): ConversationRow {
    const now = this.now();
    return {
      phoneNumber,
      chatKey: identity.chatKey,
      altJid: identity.altJid,
      type: chatKindOf(identity.chatKey),
      name,
      lastKey,
      unread: 0,
      readKey: 0,
      archived,
      pinned: false,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** Receipts that arrived for `waId` before the message had it: the status they move it to. */
  private earlyReceipts(phoneNumber: string, waId: string, row: StoredMessageRow): Partial<StoredMessageRow> {
    let current: StoredMessageRow = row;
    for (const annotation of this.repos.annotations.forTargets(phoneNumber, [waId])) {
      if (annotation.kind !== 'receipt') continue;
      current = { ...current, ...advanceStatus(current, annotation.actor as 'delivered' | 'read', annotation.at) };
    }
    const { status, sentAt, deliveredAt, readAt } = current;
    return current === row ? {} : { status, sentAt, deliveredAt, readAt };
  }

  /** A WhatsApp id is one message: a copy stored under it before (history, proxy) gives way to this row. */
  private takeWaId(phoneNumber: string, waId: string, key: number): void {
    const { messages, conversations } = this.repos;
    const other = messages.byWaId(phoneNumber, waId);
    if (!other || other.key === key) return;
    messages.delete(other.key);
    const chat = conversations.get(phoneNumber, other.chatKey);
    if (chat?.lastKey === other.key) {
      const [newest] = messages.page({ phoneNumber, chatKey: other.chatKey, limit: 1, order: 'desc' });
      conversations.update(phoneNumber, other.chatKey, { lastKey: newest?.key ?? 0 });
    }
  }

  private applyAnnotation(row: StoredMessageRow, annotation: Pick<AnnotationRow, 'kind' | 'value' | 'at'>): StoredMessageRow {
    const now = this.now();
    if (annotation.kind === 'edit') {
      if (row.type === 'revoked' || (row.editedAt !== null && row.editedAt > annotation.at)) return row;
      const text = typeof annotation.value['text'] === 'string' ? annotation.value['text'] : '';
      const content = { ...(row.content ?? {}), originalText: row.content?.['originalText'] ?? row.text };
      return this.repos.messages.update(row.key, { text: text || null, content, editedAt: annotation.at, updatedAt: now }) ?? row;
    }
    if (annotation.kind === 'revoke' || annotation.kind === 'delete') {
      if (row.type === 'revoked') return row;
      const deletedFor = annotation.kind === 'revoke' ? 'everyone' : 'me';
      return this.repos.messages.update(row.key, { type: 'revoked', text: null, fileName: null, media: null, content: { deletedFor }, deletedAt: annotation.at, updatedAt: now }) ?? row;
    }
    return row;
  }

  /** A changed message that is its chat's newest: the chat's preview changed too. */
  private lastMessageOf(row: StoredMessageRow): StoreChange[] {
    const chat = this.repos.conversations.get(row.phoneNumber, row.chatKey);
    return chat && chat.lastKey === row.key ? [{ kind: 'conversation.updated', conversation: chat }] : [];
  }

  /** Incoming messages read on the number's own phone (`read-self`): their chats are read up to them. */
  private readUpTo(phoneNumber: string, rows: readonly StoredMessageRow[]): StoreChange[] {
    const upTo = new Map<string, number>();
    for (const row of rows) upTo.set(row.chatKey, Math.max(upTo.get(row.chatKey) ?? 0, row.key));
    const changes: StoreChange[] = [];
    for (const [chatKey, key] of upTo) {
      const chat = this.repos.conversations.get(phoneNumber, chatKey);
      if (!chat || chat.readKey >= key) continue;
      const unread = this.repos.messages.unreadAfter(phoneNumber, chatKey, key);
      const updated = this.repos.conversations.update(phoneNumber, chatKey, { readKey: key, unread, updatedAt: this.now() });
      if (updated) changes.push({ kind: 'conversation.updated', conversation: updated });
    }
    return changes;
  }
}

function valueOf(action: StoreAction): Record<string, unknown> {
  switch (action.kind) {
    case 'reaction':
      return { emoji: action.emoji };
    case 'vote':
      return { options: [...action.options] };
    case 'edit':
      return { text: action.text };
    case 'revoke':
    case 'delete':
      return {};
  }
}
