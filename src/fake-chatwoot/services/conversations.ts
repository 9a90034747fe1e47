/**
 * `ConversationsController#create` / `ConversationBuilder` and the conversation actions: which contact_inbox
 * a new conversation gets (FC-11), `lock_to_single_conversation`, toggle_status, last-seen marks, typing.
 */
import { errors } from '../domain/errors.js';
import {
  CONVERSATION_STATUSES, type ContactInbox, type Conversation, type ConversationStatus, type Inbox, type JsonObject, type SenderRef,
} from '../domain/records.js';
import type { Tx } from '../events/domain-event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { Clock } from '../lib/time.js';
import { uuid } from '../lib/tokens.js';
import type { Store } from '../store/store.js';
import type { Access, Principal } from './access.js';
import type { ContactInboxes } from './contact-inboxes.js';
import type { ConversationStatusService, StatusActor } from './conversation-status.js';
import type { MessageInput, Messages } from './messages.js';

export interface ConversationInput {
  readonly inboxId?: number;
  readonly contactId?: number;
  /** undefined: not sent; null: sent as null. */
  readonly sourceId?: string | null;
  readonly status?: string;
  readonly assigneeId?: number | null;
  readonly snoozedUntil?: number | null;
  readonly additionalAttributes?: JsonObject;
  readonly customAttributes?: JsonObject;
  readonly message?: Omit<MessageInput, 'sender'>;
}

export interface ToggleResult {
  readonly success: boolean;
  readonly conversation: Conversation;
}

export class Conversations {
  constructor(
    private readonly store: Store,
    private readonly access: Access,
    private readonly contactInboxes: ContactInboxes,
    private readonly status: ConversationStatusService,
    private readonly messages: Messages,
    private readonly events: EventFactory,
    private readonly now: Clock,
  ) {}

  create(tx: Tx, principal: Principal, accountId: number, input: ConversationInput): Conversation {
    const state = this.store.state;
    const contactInbox = this.contactInboxFor(accountId, input);
    const inbox = state.inboxes.get(contactInbox.inboxId);
    if (!inbox) throw errors.notFound();
    this.access.assertInbox(principal, inbox);
    // An unknown enum value is an ArgumentError no controller rescues here: Rails answers 500 (an assumption
    // the reference does not settle).
    if (input.status !== undefined && !isStatus(input.status)) throw errors.internal(`'${input.status}' is not a valid status`);
    if (inbox.lockToSingleConversation) {
      const existing = state.conversationsOfAccount(inbox.accountId).filter((c) => c.contactInboxId === contactInbox.id).at(-1);
      if (existing) return existing;
    }
    const conversation = this.insert(inbox, contactInbox, input);
    tx.emit(this.events.conversation('conversation_created', conversation));
    if (input.message) this.messages.create(tx, conversation, { ...input.message, sender: this.access.senderOf(principal) });
    return conversation;
  }

  /** Public API: a new conversation for a contact_inbox (only custom_attributes are accepted). */
  createForContactInbox(tx: Tx, contactInbox: ContactInbox, customAttributes: JsonObject): Conversation {
    const inbox = this.store.state.inboxes.get(contactInbox.inboxId);
    if (!inbox) throw errors.notFound();
    const conversation = this.insert(inbox, contactInbox, { customAttributes });
    tx.emit(this.events.conversation('conversation_created', conversation));
    return conversation;
  }

  /** An explicit status, or open ↔ resolved (pending and snoozed go to open) when none is given. */
  toggleStatus(tx: Tx, actor: StatusActor, conversation: Conversation, status: string | undefined, snoozedUntil?: number | null): ToggleResult {
    if (status !== undefined && !isStatus(status)) throw errors.internal(`'${status}' is not a valid status`);
    const target: ConversationStatus = status ?? (conversation.status === 'open' ? 'resolved' : 'open');
    this.status.change(tx, conversation, target, actor, snoozedUntil);
    return { success: true, conversation };
  }

  /** `update_last_seen` on the agent side: `update_columns`, so no event. */
  agentSeen(conversation: Conversation): void {
    conversation.agentLastSeenAt = this.now();
  }

  /** Public `update_last_seen`: the contact's mark, and the agents' messages up to now become `read` (update_all: no events). */
  contactSeen(conversation: Conversation): void {
    const now = this.now();
    conversation.contactLastSeenAt = now;
    for (const message of this.store.state.messagesOf(conversation)) {
      const agentSide = message.messageType === 'outgoing' || message.messageType === 'template';
      if (agentSide && !message.private && (message.status === 'sent' || message.status === 'delivered') && message.createdAt <= now) {
        message.status = 'read';
      }
    }
  }

  typing(tx: Tx, conversation: Conversation, on: boolean, typist: SenderRef, isPrivate: boolean): void {
    tx.emit(this.events.typing(on ? 'conversation_typing_on' : 'conversation_typing_off', conversation, typist, isPrivate));
  }

  /**
   * FC-11: inbox_id + contact_id builds (or finds) the contact_inbox by source_id, a new UUID one when no
   * source_id is given (API inboxes only); otherwise the source_id alone is looked up, anywhere (404 if none).
   */
  private contactInboxFor(accountId: number, input: ConversationInput): ContactInbox {
    const state = this.store.state;
    if (input.contactId !== undefined && input.inboxId !== undefined) {
      const inbox = state.inbox(accountId, input.inboxId);
      if (inbox.channelType === 'Channel::Api') {
        const contact = state.contact(accountId, input.contactId);
        const outcome = this.contactInboxes.build(contact, inbox, input.sourceId ?? null);
        if (outcome.kind === 'taken') throw errors.unprocessable('source_id should be unique');
        if (outcome.kind === 'ok') return outcome.contactInbox;
      }
    }
    const sourceId = input.sourceId;
    const found = sourceId === undefined || sourceId === null
      ? undefined
      : [...state.contactInboxes.values()].find((ci) => ci.sourceId === sourceId);
    if (!found) throw errors.notFound();
    return found;
  }

  private insert(inbox: Inbox, contactInbox: ContactInbox, input: ConversationInput): Conversation {
    const state = this.store.state;
    const data = state.account(inbox.accountId);
    const now = this.now();
    const status = input.status !== undefined && isStatus(input.status) ? input.status : 'open';
    const assignee = input.assigneeId === undefined || input.assigneeId === null ? undefined : state.users.get(input.assigneeId);
    const conversation: Conversation = {
      internalId: state.next.conversation++,
      accountId: inbox.accountId,
      displayId: data.next.display++,
      inboxId: inbox.id,
      contactId: contactInbox.contactId,
      contactInboxId: contactInbox.id,
      uuid: uuid(),
      status,
      snoozedUntil: status === 'snoozed' ? (input.snoozedUntil ?? null) : null,
      assigneeId: assignee?.roles.has(inbox.accountId) ? assignee.id : null,
      priority: null,
      labels: [],
      muted: false,
      additionalAttributes: input.additionalAttributes ?? {},
      customAttributes: input.customAttributes ?? {},
      createdAt: now,
      updatedAt: now,
      lastActivityAt: now,
      contactLastSeenAt: null,
      agentLastSeenAt: null,
      assigneeLastSeenAt: null,
      firstReplyCreatedAt: null,
      waitingSince: now,
      messageIds: [],
    };
    state.conversations.set(conversation.internalId, conversation);
    data.conversationsByDisplay.set(conversation.displayId, conversation.internalId);
    return conversation;
  }
}

function isStatus(value: string): value is ConversationStatus {
  return (CONVERSATION_STATUSES as readonly string[]).includes(value);
}
