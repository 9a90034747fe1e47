/**
 * `ContactMergeAction`: the mergee's conversations, contact_inboxes, notes and the messages it sent move to
 * the base contact; attributes are merged with the base winning (blank base values take the mergee's,
 * JSON attributes deep-merged); the mergee is deleted before the base is saved, so its phone or identifier
 * can pass to the base.
 */
import { errors } from '../domain/errors.js';
import type { Contact, Json, JsonObject } from '../domain/records.js';
import type { Tx } from '../events/domain-event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { Store } from '../store/store.js';
import type { Contacts } from './contacts.js';

export class ContactMerge {
  constructor(
    private readonly store: Store,
    private readonly contacts: Contacts,
    private readonly events: EventFactory,
  ) {}

  merge(tx: Tx, accountId: number, baseId: number, mergeeId: number): Contact {
    const state = this.store.state;
    const data = state.account(accountId);
    const base = state.contact(accountId, baseId);
    const mergee = state.contact(accountId, mergeeId);
    if (base.id === mergee.id) throw errors.internal('contact does not belong to the account');
    for (const conversation of state.conversationsOfAccount(accountId)) if (conversation.contactId === mergee.id) conversation.contactId = base.id;
    for (const contactInbox of state.contactInboxesOf(accountId, mergee.id)) contactInbox.contactId = base.id;
    for (const note of data.notes.values()) if (note.contactId === mergee.id) note.contactId = base.id;
    for (const message of data.messages.values()) {
      if (message.sender?.type === 'Contact' && message.sender.id === mergee.id) message.sender = { type: 'Contact', id: base.id };
    }
    data.contacts.delete(mergee.id);
    const blank = (v: string | null): boolean => v === null || v.trim() === '';
    const changes = this.contacts.apply(base, {
      name: blank(base.name) ? mergee.name : base.name,
      email: blank(base.email) ? mergee.email : base.email,
      phoneNumber: blank(base.phoneNumber) ? mergee.phoneNumber : base.phoneNumber,
      identifier: blank(base.identifier) ? mergee.identifier : base.identifier,
      blocked: base.blocked,
      customAttributes: deepMerge(mergee.customAttributes, base.customAttributes),
      additionalAttributes: deepMerge(mergee.additionalAttributes, base.additionalAttributes),
    });
    if (Object.keys(changes).length > 0) tx.emit(this.events.contact('contact_updated', base, changes));
    return base;
  }
}

/** Ruby's `deep_merge`: values of `winner` take precedence, nested objects merged. */
function deepMerge(loser: JsonObject, winner: JsonObject): JsonObject {
  const result: JsonObject = { ...loser };
  for (const [key, value] of Object.entries(winner)) {
    const previous = result[key];
    result[key] = isObject(previous) && isObject(value) ? deepMerge(previous, value) : value;
  }
  return result;
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
