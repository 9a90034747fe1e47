/**
 * `ContactInboxBuilder`: the (inbox, source_id) pair is unique. The same contact asking again gets the
 * existing row; another contact owning that source_id is a conflict the caller turns into the status its
 * controller answers (500 on POST /contacts, 422 "source_id should be unique" on POST /conversations).
 */
import type { Contact, ContactInbox, Inbox } from '../domain/records.js';
import type { Clock } from '../lib/time.js';
import { secureToken, uuid } from '../lib/tokens.js';
import { State } from '../store/state.js';
import type { Store } from '../store/store.js';

export type ContactInboxOutcome =
  | { readonly kind: 'ok'; readonly contactInbox: ContactInbox; readonly created: boolean }
  /** `source_id` was given as an empty string: `source_id.present?` is false, so nothing is built. */
  | { readonly kind: 'none' }
  | { readonly kind: 'taken'; readonly owner: ContactInbox };

export class ContactInboxes {
  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {}

  /** What build would do, without changing anything (so a request can fail before its first write). */
  plan(contact: Contact, inbox: Inbox, sourceId: string | null): ContactInboxOutcome | { readonly kind: 'new'; readonly sourceId: string } {
    const source = sourceId ?? uuid();
    if (source === '') return { kind: 'none' };
    const existing = this.store.state.contactInboxFor(inbox.id, source);
    if (!existing) return { kind: 'new', sourceId: source };
    return existing.contactId === contact.id ? { kind: 'ok', contactInbox: existing, created: false } : { kind: 'taken', owner: existing };
  }

  build(contact: Contact, inbox: Inbox, sourceId: string | null, hmacVerified = false): ContactInboxOutcome {
    const plan = this.plan(contact, inbox, sourceId);
    if (plan.kind !== 'new') return plan;
    const state = this.store.state;
    const now = this.now();
    const contactInbox: ContactInbox = {
      id: state.next.contactInbox++,
      accountId: inbox.accountId,
      contactId: contact.id,
      inboxId: inbox.id,
      sourceId: plan.sourceId,
      hmacVerified,
      pubsubToken: secureToken(),
      createdAt: now,
      updatedAt: now,
    };
    state.contactInboxes.set(contactInbox.id, contactInbox);
    state.contactInboxBySource.set(State.sourceKey(inbox.id, plan.sourceId), contactInbox.id);
    return { kind: 'ok', contactInbox, created: true };
  }
}
