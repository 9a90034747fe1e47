/** Builds each event's payload exactly as `app/listeners/webhook_listener.rb` does, `event` appended last. */
import type { Contact, Conversation, Inbox, Message, SenderRef } from '../domain/records.js';
import type { EventName } from '../domain/subscriptions.js';
import { senderWebhook } from '../views/actor-view.js';
import { contactWebhook } from '../views/contact-view.js';
import type { ViewCtx } from '../views/context.js';
import { conversationWebhook } from '../views/conversation-view.js';
import { inboxWebhook } from '../views/inbox-view.js';
import { messageWebhook } from '../views/message-view.js';
import { changedAttributes, type Changes, type DomainEvent } from './domain-event.js';

export class EventFactory {
  constructor(private readonly ctx: ViewCtx) {}

  /** Activity messages are never delivered (`webhook_sendable?`); private notes are. */
  message(name: 'message_created' | 'message_updated', message: Message): DomainEvent | undefined {
    if (message.messageType === 'activity') return undefined;
    const conversation = this.ctx.store.state.conversation(message.conversationInternalId);
    const payload = { ...messageWebhook(this.ctx, message, conversationWebhook(this.ctx, conversation)), event: name };
    return { name, accountId: message.accountId, inboxId: message.inboxId, messageId: message.id, payload };
  }

  conversation(name: 'conversation_created' | 'conversation_status_changed' | 'conversation_updated', conversation: Conversation, changes?: Changes): DomainEvent {
    const payload: Record<string, unknown> = { ...conversationWebhook(this.ctx, conversation), event: name };
    if (changes) payload.changed_attributes = changedAttributes(changes);
    return { name, accountId: conversation.accountId, inboxId: conversation.inboxId, messageId: null, payload };
  }

  contact(name: 'contact_created' | 'contact_updated', contact: Contact, changes?: Changes): DomainEvent {
    const payload: Record<string, unknown> = { ...contactWebhook(this.ctx, contact), event: name };
    if (changes) payload.changed_attributes = changedAttributes(changes);
    return { name, accountId: contact.accountId, inboxId: null, messageId: null, payload };
  }

  inbox(name: 'inbox_created' | 'inbox_updated', inbox: Inbox, changes?: Changes): DomainEvent {
    const payload: Record<string, unknown> = { ...inboxWebhook(inbox), event: name };
    if (changes) payload.changed_attributes = changedAttributes(changes);
    return { name, accountId: inbox.accountId, inboxId: null, messageId: null, payload };
  }

  /** `{event, user, conversation, is_private}`; `user` is whoever types (an agent, or the contact on the Public API). */
  typing(name: Extract<EventName, 'conversation_typing_on' | 'conversation_typing_off'>, conversation: Conversation, typist: SenderRef, isPrivate: boolean): DomainEvent {
    const payload = {
      event: name,
      user: senderWebhook(this.ctx, conversation.accountId, typist),
      conversation: conversationWebhook(this.ctx, conversation),
      is_private: isPrivate,
    };
    return { name, accountId: conversation.accountId, inboxId: conversation.inboxId, messageId: null, payload };
  }
}
