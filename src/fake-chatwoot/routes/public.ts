/**
 * The Public (client) API of an API inbox (FC-19): no token, the inbox is named by its `inbox_identifier`
 * (in the `:inbox_id` segment), the contact by its contact_inbox `source_id`, the conversation by its
 * display_id **within that contact_inbox**. Messages posted here are always incoming and carry only
 * `content` and `echo_id`.
 */
import { createHmac } from 'node:crypto';
import type { Services } from '../app.js';
import { errors } from '../domain/errors.js';
import type { ContactInbox, Conversation, Inbox } from '../domain/records.js';
import { files, obj, str, strOrNull } from '../http/params.js';
import { EMPTY_OK, ok } from '../http/reply.js';
import type { RouteCtx, RouteSpec } from '../http/router.js';
import { publicContactInbox, publicConversation, publicMessage } from '../views/public-view.js';
import { contactInput } from './contacts.js';
import { idParam } from './helpers.js';

const BASE = '/public/api/v1/inboxes/:inbox_id';

export function publicRoutes(s: Services): RouteSpec[] {
  const view = s.view;
  const inboxOf = (ctx: RouteCtx): Inbox => {
    // Rails names it inbox_id; it holds the inbox_identifier token.
    const token = str(ctx.params, 'inbox_id');
    const inbox = [...s.store.state.inboxes.values()].find((i) => i.channelType === 'Channel::Api' && i.identifier === token);
    if (!inbox) throw errors.notFound();
    return inbox;
  };
  const contactInboxOf = (ctx: RouteCtx): ContactInbox => {
    const found = s.store.state.contactInboxFor(inboxOf(ctx).id, str(ctx.params, 'source_id') ?? '');
    if (!found) throw errors.notFound();
    return found;
  };
  const conversationOf = (ctx: RouteCtx): Conversation => {
    const contactInbox = contactInboxOf(ctx);
    const conversation = s.store.state.conversationByDisplay(contactInbox.accountId, idParam(ctx, 'cid'));
    if (conversation.contactInboxId !== contactInbox.id) throw errors.notFound();
    return conversation;
  };
  const conversationsOf = (ci: ContactInbox): Conversation[] => s.store.state.conversationsOfAccount(ci.accountId).filter((c) => c.contactInboxId === ci.id);
  return [
    {
      id: 'public.contacts.create', method: 'POST', path: `${BASE}/contacts`, auth: 'public',
      handler: (ctx) => {
        const inbox = inboxOf(ctx);
        const identifier = str(ctx.params, 'identifier');
        const hash = str(ctx.params, 'identifier_hash');
        const verified = identifier !== undefined && hash !== undefined && hash === createHmac('sha256', inbox.hmacToken).update(identifier).digest('hex');
        if (inbox.hmacMandatory && !verified) throw errors.hmacFailed();
        const sourceId = strOrNull(ctx.params, 'source_id') || null;
        const existing = sourceId === null ? undefined : s.store.state.contactInboxFor(inbox.id, sourceId);
        if (existing) return ok(publicContactInbox(view, existing));
        const input = { ...contactInput(ctx.params), identifier: identifier ?? null };
        const contacts = [...s.store.state.account(inbox.accountId).contacts.values()];
        const match = contacts.find((c) => (input.identifier && c.identifier === input.identifier) || (input.email && c.email === input.email.toLowerCase()) || (input.phoneNumber && c.phoneNumber === input.phoneNumber));
        const contact = match ?? s.contacts.create(ctx.tx, inbox.accountId, input).contact;
        const contactInbox = s.contacts.addContactInbox(contact, inbox, sourceId);
        if (!contactInbox) throw errors.notFound();
        if (verified) contactInbox.hmacVerified = true;
        return ok(publicContactInbox(view, contactInbox));
      },
    },
    { id: 'public.contacts.show', method: 'GET', path: `${BASE}/contacts/:source_id`, auth: 'public', handler: (ctx) => ok(publicContactInbox(view, contactInboxOf(ctx))) },
    {
      id: 'public.contacts.update', method: 'PATCH', path: `${BASE}/contacts/:source_id`, auth: 'public',
      handler: (ctx) => {
        const contactInbox = contactInboxOf(ctx);
        s.contacts.update(ctx.tx, s.store.state.contact(contactInbox.accountId, contactInbox.contactId), contactInput(ctx.params));
        return ok(publicContactInbox(view, contactInbox));
      },
    },
    {
      id: 'public.conversations.index', method: 'GET', path: `${BASE}/contacts/:source_id/conversations`, auth: 'public',
      handler: (ctx) => ok(conversationsOf(contactInboxOf(ctx)).map((c) => publicConversation(view, c))),
    },
    {
      id: 'public.conversations.create', method: 'POST', path: `${BASE}/contacts/:source_id/conversations`, auth: 'public',
      handler: (ctx) => ok(publicConversation(view, s.conversations.createForContactInbox(ctx.tx, contactInboxOf(ctx), obj(ctx.params.custom_attributes) ?? {}))),
    },
    { id: 'public.conversations.show', method: 'GET', path: `${BASE}/contacts/:source_id/conversations/:cid`, auth: 'public', handler: (ctx) => ok(publicConversation(view, conversationOf(ctx))) },
    {
      id: 'public.conversations.toggle_status', method: 'POST', path: `${BASE}/contacts/:source_id/conversations/:cid/toggle_status`, auth: 'public',
      handler: (ctx) => {
        const conversation = conversationOf(ctx);
        const contact = s.store.state.contact(conversation.accountId, conversation.contactId);
        s.conversations.toggleStatus(ctx.tx, { kind: 'contact', contact }, conversation, 'resolved');
        return ok(publicConversation(view, conversation));
      },
    },
    {
      id: 'public.conversations.toggle_typing', method: 'POST', path: `${BASE}/contacts/:source_id/conversations/:cid/toggle_typing`, auth: 'public',
      handler: (ctx) => {
        const conversation = conversationOf(ctx);
        s.conversations.typing(ctx.tx, conversation, str(ctx.params, 'typing_status') === 'on', { type: 'Contact', id: conversation.contactId }, false);
        return EMPTY_OK;
      },
    },
    {
      id: 'public.conversations.update_last_seen', method: 'POST', path: `${BASE}/contacts/:source_id/conversations/:cid/update_last_seen`, auth: 'public',
      handler: (ctx) => {
        s.conversations.contactSeen(conversationOf(ctx));
        return EMPTY_OK;
      },
    },
    {
      id: 'public.messages.index', method: 'GET', path: `${BASE}/contacts/:source_id/conversations/:cid/messages`, auth: 'public',
      handler: (ctx) => {
        const conversation = conversationOf(ctx);
        return ok(s.store.state.messagesOf(conversation).filter((m) => !m.private).map((m) => publicMessage(view, m)));
      },
    },
    {
      id: 'public.messages.create', method: 'POST', path: `${BASE}/contacts/:source_id/conversations/:cid/messages`, auth: 'public',
      handler: (ctx) => {
        const conversation = conversationOf(ctx);
        const message = s.messages.create(ctx.tx, conversation, {
          content: strOrNull(ctx.params, 'content') ?? null,
          messageType: 'incoming',
          private: false,
          contentType: 'text',
          contentAttributes: {},
          sourceId: null,
          sender: null,
          files: files(ctx.params.attachments),
        });
        const echoId = str(ctx.params, 'echo_id');
        return ok({ ...publicMessage(view, message), echo_id: echoId });
      },
    },
  ];
}
