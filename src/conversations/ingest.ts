import type { AnnotationWrites } from '../db/ports/annotations.js';
import type { StoredMessageWrites } from '../db/ports/stored-messages.js';
import type { AnnotationRow, StoredMessageRow } from '../db/schema.js';
import { normalizeJid } from '../domain/jid.js';
import type { DerivedEvent, FeedMessage, RecordedEvent } from '../events/feed-message.js';
import type { DurableSubscriber, RecordContext } from '../events/journal.js';
import { isObject } from '../events/normalize.js';
import { outgoingInput } from './outgoing-input.js';
import { parseMessageWebhook } from './parse-webhook.js';
import type { ConversationStore } from './store.js';
import type { StoreChange } from './types.js';
import { conversationView, messageView, statusView } from './views.js';

const MESSAGE_EVENTS = new Set(['message', 'message.reaction', 'message.edited', 'message.revoked', 'message.deleted']);

export interface IngestDeps {
  readonly store: ConversationStore;
  readonly messages: StoredMessageWrites<'sync'>;
  readonly annotations: AnnotationWrites<'sync'>;
}

/**
 * The conversation store as a consumer of the event pipeline: inside the transaction that journals each event it
 * writes what the event means for the store, and derives the realtime events (`message.new`, `message.status`,
 * `conversation.updated`, …) that are stored and published with the event's `seq`.
 */
export class ConversationIngest implements DurableSubscriber {
  constructor(private readonly deps: IngestDeps) {}

  onRecord(event: RecordedEvent, context: RecordContext): void {
    const changes = this.apply(event.phoneNumber, event.message);
    for (const derived of this.derive(changes)) context.derive(derived);
  }

  private apply(phoneNumber: string, message: FeedMessage): StoreChange[] {
    const { store } = this.deps;
    const at = Date.parse(message.at);
    switch (message.type) {
      case 'message':
        return this.fromWebhook(phoneNumber, 'message', message.payload, at);
      case 'raw': {
        const raw = isObject(message.raw) ? message.raw : {};
        const name = typeof raw['event'] === 'string' ? raw['event'] : '';
        return message.source === 'webhook' && MESSAGE_EVENTS.has(name) && isObject(raw['payload']) ? this.fromWebhook(phoneNumber, name, raw['payload'], at) : [];
      }
      case 'ack': {
        const receipt = message.receiptType;
        if (receipt !== 'delivered' && receipt !== 'read' && receipt !== 'read-self') return [];
        const stamp = isObject(message.raw) && typeof message.raw['timestamp'] === 'string' ? Date.parse(message.raw['timestamp']) : NaN;
        return store.receipt(phoneNumber, message.ids, receipt, Number.isFinite(stamp) ? stamp : at);
      }
      case 'outgoing': {
        const to = normalizeJid(message.to);
        if (!to) return [];
        return store.outgoing(phoneNumber, {
          messageId: message.messageId,
          status: message.status,
          to,
          waMessageId: message.waMessageId,
          error: message.error,
          via: message.via,
          input: outgoingInput(message, to, at),
          at,
        });
      }
      case 'chat':
        return store.markRead(phoneNumber, message.chatId);
      default:
        return [];
    }
  }

  private fromWebhook(phoneNumber: string, event: string, payload: Record<string, unknown>, at: number): StoreChange[] {
    const effect = parseMessageWebhook(event, payload, at);
    if (effect.kind === 'message') return this.deps.store.ingest(phoneNumber, effect.input, effect.learnt);
    if (effect.kind === 'action') return this.deps.store.act(phoneNumber, effect.action, effect.learnt);
    return [];
  }

  /** Views of what changed: messages first, then each chat once (its latest state). */
  private derive(changes: readonly StoreChange[]): DerivedEvent[] {
    if (changes.length === 0) return [];
    const messages = new Map<number, { name: string; row: StoredMessageRow; annotations?: readonly AnnotationRow[] }>();
    const chats = new Map<string, DerivedEvent>();
    const newest = new Map<number, StoredMessageRow>();
    for (const change of changes) {
      if (change.kind === 'message.new' || change.kind === 'message.updated' || change.kind === 'message.status') {
        const earlier = messages.get(change.message.key);
        const annotations = change.kind === 'message.new' ? change.annotations : undefined;
        messages.set(change.message.key, { name: earlier?.name === 'message.new' ? 'message.new' : change.kind, row: change.message, annotations });
        newest.set(change.message.key, change.message);
      }
    }
    for (const change of changes) {
      if (change.kind === 'conversation.updated') {
        const { conversation } = change;
        const last = newest.get(conversation.lastKey) ?? (conversation.lastKey > 0 ? this.deps.messages.byKey(conversation.lastKey) : undefined);
        chats.set(`${conversation.phoneNumber}\u0001${conversation.chatKey}`, { name: 'conversation.updated', data: { conversation: conversationView(conversation, last) } });
      } else if (change.kind === 'conversation.removed') {
        chats.set(`${change.phoneNumber}\u0001${change.chatKey}`, { name: 'conversation.removed', data: { chatId: change.chatKey, mergedInto: change.mergedInto } });
      }
    }
    const derived: DerivedEvent[] = [];
    for (const { name, row, annotations } of messages.values()) {
      if (name === 'message.status') {
        derived.push({ name, data: { message: statusView(row) } });
        continue;
      }
      const found = annotations ?? (row.waId ? this.deps.annotations.forTargets(row.phoneNumber, [row.waId]) : []);
      derived.push({ name, data: { message: messageView(row, found) } });
    }
    derived.push(...chats.values());
    return derived;
  }
}
