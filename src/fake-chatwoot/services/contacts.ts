/**
 * Contacts: create (optionally with a contact_inbox at once), show, update (custom and additional attributes
 * **merged**), the contact's conversations, extra contact_inboxes. Searching is in contact-search.ts, merging
 * in contact-merge.ts.
 */
import { assertValid, errors } from '../domain/errors.js';
import type { Contact, ContactInbox, Conversation, Inbox, JsonObject } from '../domain/records.js';
import type { Changes, Tx } from '../events/domain-event.js';
import type { EventFactory } from '../events/event-factory.js';
import { isoTime, type Clock } from '../lib/time.js';
import type { Store } from '../store/store.js';
import type { Access, Principal } from './access.js';
import type { ContactInboxes } from './contact-inboxes.js';
import { normaliseEmail, validateContact } from './contact-validation.js';

export interface ContactInput {
  readonly name?: string | null;
  readonly email?: string | null;
  readonly phoneNumber?: string | null;
  readonly identifier?: string | null;
  readonly blocked?: boolean;
  readonly avatarUrl?: string | null;
  readonly customAttributes?: JsonObject;
  readonly additionalAttributes?: JsonObject;
}

/** Contact conversations listed per request (`contacts/conversations_controller.rb`). */
const CONVERSATIONS_LIMIT = 20;

/** What Postgres says when the (inbox_id, source_id) unique index is hit: Rails answers 500. */
export const UNIQUE_SOURCE_ID_VIOLATION =
  'PG::UniqueViolation: ERROR:  duplicate key value violates unique constraint "index_contact_inboxes_on_inbox_id_and_source_id"';

export class Contacts {
  constructor(
    private readonly store: Store,
    private readonly access: Access,
    private readonly contactInboxes: ContactInboxes,
    private readonly events: EventFactory,
    private readonly now: Clock,
  ) {}

  create(tx: Tx, accountId: number, input: ContactInput, link?: { inbox: Inbox; sourceId: string | null }): { contact: Contact; contactInbox: ContactInbox | null } {
    const data = this.store.state.account(accountId);
    const fields = {
      name: input.name ?? '',
      email: normaliseEmail(input.email ?? null),
      phoneNumber: input.phoneNumber ?? null,
      identifier: input.identifier ?? null,
    };
    assertValid(validateContact(fields, data.contacts.values(), null));
    const now = this.now();
    const contact: Contact = {
      accountId,
      id: data.next.contact,
      ...fields,
      blocked: input.blocked ?? false,
      avatarSourceUrl: input.avatarUrl ?? null,
      customAttributes: input.customAttributes ?? {},
      additionalAttributes: input.additionalAttributes ?? {},
      lastActivityAt: null,
      createdAt: now,
      updatedAt: now,
    };
    // The controller saves the contact and builds the contact_inbox in one transaction: check first, then write.
    if (link && this.contactInboxes.plan(contact, link.inbox, link.sourceId).kind === 'taken') throw errors.internal(UNIQUE_SOURCE_ID_VIOLATION);
    data.next.contact++;
    data.contacts.set(contact.id, contact);
    const outcome = link ? this.contactInboxes.build(contact, link.inbox, link.sourceId) : undefined;
    tx.emit(this.events.contact('contact_created', contact));
    return { contact, contactInbox: outcome?.kind === 'ok' ? outcome.contactInbox : null };
  }

  update(tx: Tx, contact: Contact, input: ContactInput): Contact {
    const data = this.store.state.account(contact.accountId);
    const next = {
      name: input.name === undefined ? contact.name : (input.name ?? ''),
      email: input.email === undefined ? contact.email : normaliseEmail(input.email),
      phoneNumber: input.phoneNumber === undefined ? contact.phoneNumber : input.phoneNumber,
      identifier: input.identifier === undefined ? contact.identifier : input.identifier,
      blocked: input.blocked ?? contact.blocked,
      customAttributes: input.customAttributes ? { ...contact.customAttributes, ...input.customAttributes } : contact.customAttributes,
      additionalAttributes: input.additionalAttributes ? { ...contact.additionalAttributes, ...input.additionalAttributes } : contact.additionalAttributes,
    };
    assertValid(validateContact(next, data.contacts.values(), contact.id));
    if (input.avatarUrl !== undefined) contact.avatarSourceUrl = input.avatarUrl;
    const changes = this.apply(contact, next);
    if (Object.keys(changes).length > 0) tx.emit(this.events.contact('contact_updated', contact, changes));
    return contact;
  }

  /** Writes the attributes that differ and returns them as `previous_changes` (with `updated_at`). */
  apply(contact: Contact, next: Pick<Contact, 'name' | 'email' | 'phoneNumber' | 'identifier' | 'blocked' | 'customAttributes' | 'additionalAttributes'>): Changes {
    const changes: Record<string, readonly [unknown, unknown]> = {};
    const columns = [
      ['name', 'name'], ['email', 'email'], ['phone_number', 'phoneNumber'], ['identifier', 'identifier'], ['blocked', 'blocked'],
      ['custom_attributes', 'customAttributes'], ['additional_attributes', 'additionalAttributes'],
    ] as const;
    for (const [column, key] of columns) {
      const before = contact[key];
      const after = next[key];
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      changes[column] = [before, after];
      Object.assign(contact, { [key]: after });
    }
    if (Object.keys(changes).length > 0) {
      const now = this.now();
      changes.updated_at = [isoTime(contact.updatedAt), isoTime(now)];
      contact.updatedAt = now;
    }
    return changes;
  }

  /** At most 20, newest activity first, only in inboxes the token may see. */
  conversationsOf(principal: Principal, contact: Contact): Conversation[] {
    const state = this.store.state;
    return state.conversationsOfAccount(contact.accountId)
      .filter((c) => c.contactId === contact.id)
      .filter((c) => {
        const inbox = state.inboxes.get(c.inboxId);
        return inbox !== undefined && this.access.canSeeInbox(principal, inbox);
      })
      .sort((a, b) => b.lastActivityAt - a.lastActivityAt || b.displayId - a.displayId)
      .slice(0, CONVERSATIONS_LIMIT);
  }

  /** `POST /contacts/:id/contact_inboxes`: an identical existing row is returned, another contact's is a 500. */
  addContactInbox(contact: Contact, inbox: Inbox, sourceId: string | null): ContactInbox | null {
    const outcome = this.contactInboxes.build(contact, inbox, sourceId);
    if (outcome.kind === 'taken') throw errors.internal(UNIQUE_SOURCE_ID_VIOLATION);
    return outcome.kind === 'ok' ? outcome.contactInbox : null;
  }
}
