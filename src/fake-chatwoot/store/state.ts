/**
 * Everything the fake knows, in memory: the tables of `domain/records.ts`, their id counters and the indexes
 * the routes need. Services change it; views read it. Nothing here does I/O (see store/snapshot.ts).
 */
import { errors } from '../domain/errors.js';
import type {
  Account, AccountCounters, AccountWebhook, AgentBot, Attachment, AttributeDefinition, Contact, ContactInbox,
  ContactNote, Conversation, Inbox, Message, TokenOwner, User,
} from '../domain/records.js';

export interface AccountData {
  readonly account: Account;
  readonly next: AccountCounters;
  readonly contacts: Map<number, Contact>;
  /** display_id → internal id */
  readonly conversationsByDisplay: Map<number, number>;
  readonly messages: Map<number, Message>;
  readonly notes: Map<number, ContactNote>;
  readonly attributeDefinitions: Map<number, AttributeDefinition>;
}

export interface GlobalCounters {
  inbox: number;
  channel: number;
  contactInbox: number;
  conversation: number;
  attachment: number;
  webhook: number;
  note: number;
  attributeDefinition: number;
}

export class State {
  readonly accounts = new Map<number, AccountData>();
  readonly users = new Map<number, User>();
  readonly bots = new Map<number, AgentBot>();
  readonly tokens = new Map<string, TokenOwner>();
  readonly inboxes = new Map<number, Inbox>();
  readonly contactInboxes = new Map<number, ContactInbox>();
  readonly conversations = new Map<number, Conversation>();
  readonly attachments = new Map<number, Attachment>();
  readonly webhooks = new Map<number, AccountWebhook>();
  /** `${inboxId} ${sourceId}` → contact_inbox id: the unique index Chatwoot has on (inbox_id, source_id). */
  readonly contactInboxBySource = new Map<string, number>();

  constructor(readonly next: GlobalCounters) {}

  static sourceKey(inboxId: number, sourceId: string): string {
    return `${inboxId} ${sourceId}`;
  }

  /** `Account.find`: unknown → 404. */
  account(accountId: number): AccountData {
    const data = this.accounts.get(accountId);
    if (!data) throw errors.notFound();
    return data;
  }

  contact(accountId: number, contactId: number): Contact {
    const contact = this.account(accountId).contacts.get(contactId);
    if (!contact) throw errors.notFound();
    return contact;
  }

  inbox(accountId: number, inboxId: number): Inbox {
    const inbox = this.inboxes.get(inboxId);
    if (!inbox || inbox.accountId !== accountId) throw errors.notFound();
    return inbox;
  }

  conversationByDisplay(accountId: number, displayId: number): Conversation {
    const internalId = this.account(accountId).conversationsByDisplay.get(displayId);
    const conversation = internalId === undefined ? undefined : this.conversations.get(internalId);
    if (!conversation) throw errors.notFound();
    return conversation;
  }

  conversation(internalId: number): Conversation {
    const conversation = this.conversations.get(internalId);
    if (!conversation) throw new Error(`conversation ${internalId} vanished`);
    return conversation;
  }

  /** A message of this conversation (`@conversation.messages.find(params[:id])`). */
  messageIn(conversation: Conversation, messageId: number): Message {
    const message = this.account(conversation.accountId).messages.get(messageId);
    if (!message || message.conversationInternalId !== conversation.internalId) throw errors.notFound();
    return message;
  }

  messagesOf(conversation: Conversation): Message[] {
    const messages = this.account(conversation.accountId).messages;
    return conversation.messageIds.map((id) => messages.get(id)).filter((m): m is Message => m !== undefined);
  }

  lastMessage(conversation: Conversation, accept: (message: Message) => boolean = () => true): Message | undefined {
    const messages = this.account(conversation.accountId).messages;
    for (let i = conversation.messageIds.length - 1; i >= 0; i--) {
      const message = messages.get(conversation.messageIds[i] ?? -1);
      if (message && accept(message)) return message;
    }
    return undefined;
  }

  contactInboxesOf(accountId: number, contactId: number): ContactInbox[] {
    return [...this.contactInboxes.values()].filter((ci) => ci.accountId === accountId && ci.contactId === contactId);
  }

  contactInboxFor(inboxId: number, sourceId: string): ContactInbox | undefined {
    const id = this.contactInboxBySource.get(State.sourceKey(inboxId, sourceId));
    return id === undefined ? undefined : this.contactInboxes.get(id);
  }

  conversationsOfAccount(accountId: number): Conversation[] {
    return [...this.account(accountId).conversationsByDisplay.values()]
      .map((id) => this.conversations.get(id))
      .filter((c): c is Conversation => c !== undefined);
  }

  user(userId: number): User | undefined {
    return this.users.get(userId);
  }
}
