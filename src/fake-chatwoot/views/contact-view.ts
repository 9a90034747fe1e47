/** Contact shapes: the REST jbuilder (`api/v1/models/_contact`), `push_event_data`, `webhook_data`, the raw row. */
import type { Contact, Inbox } from '../domain/records.js';
import { isoOrNull, isoTime, unixTime } from '../lib/time.js';
import type { JsonMap, ViewCtx } from './context.js';

/** `api/v1/models/_inbox_slim`, inside `contact_inboxes`. */
export function inboxSlim(inbox: Inbox): JsonMap {
  return { id: inbox.id, avatar_url: '', channel_id: inbox.channelId, name: inbox.name, channel_type: inbox.channelType, provider: null };
}

export function contactJson(ctx: ViewCtx, contact: Contact, withContactInboxes: boolean): JsonMap {
  const state = ctx.store.state;
  return {
    additional_attributes: contact.additionalAttributes,
    availability_status: 'offline',
    email: contact.email,
    id: contact.id,
    name: contact.name,
    phone_number: contact.phoneNumber,
    blocked: contact.blocked,
    identifier: contact.identifier,
    thumbnail: '',
    custom_attributes: contact.customAttributes,
    last_activity_at: contact.lastActivityAt === null ? undefined : unixTime(contact.lastActivityAt),
    created_at: unixTime(contact.createdAt),
    contact_inboxes: withContactInboxes
      ? state.contactInboxesOf(contact.accountId, contact.id).map((ci) => {
        const inbox = state.inboxes.get(ci.inboxId);
        return { source_id: ci.sourceId, inbox: inbox ? inboxSlim(inbox) : null };
      })
      : undefined,
  };
}

/** `Contact#push_event_data`: `meta.sender` in webhooks. */
export function contactPush(contact: Contact): JsonMap {
  return {
    additional_attributes: contact.additionalAttributes,
    custom_attributes: contact.customAttributes,
    email: contact.email,
    id: contact.id,
    identifier: contact.identifier,
    name: contact.name,
    phone_number: contact.phoneNumber,
    thumbnail: '',
    blocked: contact.blocked,
    type: 'contact',
  };
}

/** `Contact#webhook_data`: a message's `sender` when the contact wrote it, and the contact_* events. */
export function contactWebhook(ctx: ViewCtx, contact: Contact): JsonMap {
  const account = ctx.store.state.account(contact.accountId).account;
  return {
    account: { id: account.id, name: account.name },
    additional_attributes: contact.additionalAttributes,
    avatar: '',
    custom_attributes: contact.customAttributes,
    email: contact.email,
    id: contact.id,
    identifier: contact.identifier,
    name: contact.name,
    phone_number: contact.phoneNumber,
    thumbnail: '',
    blocked: contact.blocked,
  };
}

/** The model's own `as_json` (what `render json: contact` gives, e.g. after a merge). */
export function contactRow(contact: Contact): JsonMap {
  return {
    id: contact.id,
    name: contact.name,
    email: contact.email,
    phone_number: contact.phoneNumber,
    account_id: contact.accountId,
    created_at: isoTime(contact.createdAt),
    updated_at: isoTime(contact.updatedAt),
    additional_attributes: contact.additionalAttributes,
    identifier: contact.identifier,
    custom_attributes: contact.customAttributes,
    last_activity_at: isoOrNull(contact.lastActivityAt),
    blocked: contact.blocked,
  };
}
