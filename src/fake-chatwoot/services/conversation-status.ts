/**
 * The one place a conversation's status changes (open | resolved | pending | snoozed): it writes the change,
 * announces `conversation_status_changed` and `conversation_updated` with `changed_attributes`, and adds the
 * activity message Chatwoot shows in the thread (activity messages are never delivered as webhooks).
 */
import type { Contact, Conversation, ConversationStatus } from '../domain/records.js';
import type { Changes, Tx } from '../events/domain-event.js';
import type { EventFactory } from '../events/event-factory.js';
import { isoOrNull, isoTime, type Clock } from '../lib/time.js';
import type { Principal } from './access.js';
import type { MessageInsert } from './message-insert.js';

/** Who changed it: decides the activity text. */
export type StatusActor = Principal | { readonly kind: 'contact'; readonly contact: Contact } | { readonly kind: 'system' };

export class ConversationStatusService {
  constructor(
    private readonly inserter: MessageInsert,
    private readonly events: EventFactory,
    private readonly now: Clock,
  ) {}

  /** Returns whether anything changed. Leaving `snoozed` clears `snoozed_until`. */
  change(tx: Tx, conversation: Conversation, status: ConversationStatus, actor: StatusActor, snoozedUntil?: number | null): boolean {
    const previous = { status: conversation.status, snoozedUntil: conversation.snoozedUntil };
    const nextSnooze = status === 'snoozed' ? (snoozedUntil === undefined ? conversation.snoozedUntil : snoozedUntil) : null;
    if (previous.status === status && previous.snoozedUntil === nextSnooze) return false;
    const now = this.now();
    const changes: Record<string, readonly [unknown, unknown]> = {};
    if (previous.status !== status) changes.status = [previous.status, status];
    if (previous.snoozedUntil !== nextSnooze) changes.snoozed_until = [isoOrNull(previous.snoozedUntil), isoOrNull(nextSnooze)];
    changes.updated_at = [isoTime(conversation.updatedAt), isoTime(now)];
    conversation.status = status;
    conversation.snoozedUntil = nextSnooze;
    conversation.updatedAt = now;
    if (previous.status !== status) tx.emit(this.events.conversation('conversation_status_changed', conversation, changes));
    tx.emit(this.events.conversation('conversation_updated', conversation, changes));
    if (previous.status !== status) {
      this.inserter.insert(conversation, {
        content: activityText(status, actor),
        messageType: 'activity',
        contentType: 'text',
        contentAttributes: {},
        private: false,
        sourceId: null,
        sender: null,
      });
    }
    return true;
  }

  /** Other tracked attributes (waiting_since, first_reply_created_at) announce `conversation_updated` only. */
  announce(tx: Tx, conversation: Conversation, changes: Changes): void {
    if (Object.keys(changes).length === 0) return;
    tx.emit(this.events.conversation('conversation_updated', conversation, changes));
  }
}

function activityText(status: ConversationStatus, actor: StatusActor): string {
  if (actor.kind === 'system') return 'System reopened the conversation due to a new incoming message.';
  if (actor.kind === 'contact') return `Conversation was resolved by ${actor.contact.name}`;
  const name = actor.kind === 'user' ? actor.user.name : actor.bot.name;
  switch (status) {
    case 'resolved': return `Conversation was marked resolved by ${name}`;
    case 'open': return `Conversation was reopened by ${name}`;
    case 'pending': return `Conversation was marked as pending by ${name}`;
    case 'snoozed': return `Conversation was snoozed by ${name}`;
  }
}
