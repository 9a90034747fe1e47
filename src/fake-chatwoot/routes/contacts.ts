/** Contact routes (FC-4 … FC-10): list, search, filter, create, show, update, conversations, contact_inboxes, merge, notes. */
import type { Services } from '../app.js';
import { errors } from '../domain/errors.js';
import type { Contact, Json } from '../domain/records.js';
import { bool, int, obj, optionalText, str, type Params } from '../http/params.js';
import { ok } from '../http/reply.js';
import type { RouteCtx, RouteSpec } from '../http/router.js';
import type { FilterCondition } from '../services/contact-filter.js';
import type { Page } from '../services/contact-search.js';
import type { ContactInput } from '../services/contacts.js';
import { userPush } from '../views/actor-view.js';
import { contactJson, contactRow, inboxSlim } from '../views/contact-view.js';
import { conversationJson } from '../views/conversation-view.js';
import { inboxRow } from '../views/inbox-view.js';
import { unixTime } from '../lib/time.js';
import { ACCOUNT, idParam, pageParam, principalOf } from './helpers.js';

export function contactInput(params: Params): ContactInput {
  return {
    name: optionalText(params, 'name'),
    email: optionalText(params, 'email'),
    phoneNumber: optionalText(params, 'phone_number'),
    identifier: optionalText(params, 'identifier'),
    blocked: bool(params.blocked),
    avatarUrl: optionalText(params, 'avatar_url'),
    customAttributes: obj(params.custom_attributes),
    additionalAttributes: obj(params.additional_attributes),
  };
}

export function contactRoutes(s: Services): RouteSpec[] {
  const view = s.view;
  const contactOf = (ctx: RouteCtx): Contact => s.store.state.contact(ctx.accountId, idParam(ctx, 'id'));
  const pageOf = (page: Page<Contact>, withInboxes: boolean, hasMore: boolean) => ({
    meta: hasMore ? { count: page.count, current_page: page.page, has_more: page.hasMore } : { count: page.count, current_page: page.page },
    payload: page.items.map((c) => contactJson(view, c, withInboxes)),
  });
  return [
    {
      id: 'contacts.index', method: 'GET', path: `${ACCOUNT}/contacts`, auth: 'account',
      handler: (ctx) => ok(pageOf(s.contactSearch.list(ctx.accountId, pageParam(ctx)), bool(ctx.params.include_contact_inboxes) ?? true, false)),
    },
    {
      id: 'contacts.search', method: 'GET', path: `${ACCOUNT}/contacts/search`, auth: 'account',
      handler: (ctx) => ok(pageOf(s.contactSearch.search(ctx.accountId, str(ctx.params, 'q'), pageParam(ctx)), bool(ctx.params.include_contact_inboxes) ?? true, true)),
    },
    {
      id: 'contacts.filter', method: 'POST', path: `${ACCOUNT}/contacts/filter`, auth: 'account',
      handler: (ctx) => ok(pageOf(s.contactFilter.filter(ctx.accountId, filterConditions(ctx.params.payload), pageParam(ctx)), true, false)),
    },
    {
      id: 'contacts.create', method: 'POST', path: `${ACCOUNT}/contacts`, auth: 'account',
      handler: (ctx) => {
        const inboxId = int(ctx.params.inbox_id);
        const inbox = inboxId === undefined ? undefined : s.store.state.inbox(ctx.accountId, inboxId);
        const sourceId = optionalText(ctx.params, 'source_id') ?? null;
        const { contact, contactInbox } = s.contacts.create(ctx.tx, ctx.accountId, contactInput(ctx.params), inbox ? { inbox, sourceId } : undefined);
        const linked = contactInbox ? s.store.state.inboxes.get(contactInbox.inboxId) : undefined;
        return ok({
          payload: {
            contact: contactJson(view, contact, true),
            contact_inbox: { inbox: linked ? inboxRow(linked) : null, source_id: contactInbox?.sourceId ?? null },
          },
        });
      },
    },
    { id: 'contacts.show', method: 'GET', path: `${ACCOUNT}/contacts/:id`, auth: 'account', handler: (ctx) => ok({ payload: contactJson(view, contactOf(ctx), true) }) },
    ...(['PUT', 'PATCH'] as const).map((method): RouteSpec => ({
      id: 'contacts.update', method, path: `${ACCOUNT}/contacts/:id`, auth: 'account',
      handler: (ctx) => ok({ payload: contactJson(view, s.contacts.update(ctx.tx, contactOf(ctx), contactInput(ctx.params)), true) }),
    })),
    {
      id: 'contacts.conversations', method: 'GET', path: `${ACCOUNT}/contacts/:id/conversations`, auth: 'account',
      handler: (ctx) => ok({ payload: s.contacts.conversationsOf(principalOf(ctx), contactOf(ctx)).map((c) => conversationJson(view, c)) }),
    },
    {
      id: 'contacts.contact_inboxes.create', method: 'POST', path: `${ACCOUNT}/contacts/:id/contact_inboxes`, auth: 'account',
      handler: (ctx) => {
        const contact = contactOf(ctx);
        const inboxId = int(ctx.params.inbox_id);
        if (inboxId === undefined) throw errors.notFound();
        const inbox = s.store.state.inbox(ctx.accountId, inboxId);
        s.access.assertInbox(principalOf(ctx), inbox);
        const contactInbox = s.contacts.addContactInbox(contact, inbox, optionalText(ctx.params, 'source_id') ?? null);
        return ok({ source_id: contactInbox?.sourceId ?? null, inbox: contactInbox ? inboxSlim(inbox) : null });
      },
    },
    {
      id: 'contacts.notes.index', method: 'GET', path: `${ACCOUNT}/contacts/:id/notes`, auth: 'account',
      handler: (ctx) => ok(s.notes.list(contactOf(ctx)).map((n) => noteJson(s, n.id, ctx.accountId))),
    },
    {
      id: 'contacts.notes.create', method: 'POST', path: `${ACCOUNT}/contacts/:id/notes`, auth: 'account',
      handler: (ctx) => {
        const p = principalOf(ctx);
        const note = s.notes.create(contactOf(ctx), str(ctx.params, 'content') ?? '', p.kind === 'user' ? p.user.id : null);
        return ok(noteJson(s, note.id, ctx.accountId));
      },
    },
    {
      id: 'contacts.merge', method: 'POST', path: `${ACCOUNT}/actions/contact_merge`, auth: 'account',
      handler: (ctx) => {
        const base = int(ctx.params.base_contact_id);
        const mergee = int(ctx.params.mergee_contact_id);
        if (base === undefined || mergee === undefined) throw errors.notFound();
        return ok(contactRow(s.contactMerge.merge(ctx.tx, ctx.accountId, base, mergee)));
      },
    },
  ];
}

function noteJson(s: Services, noteId: number, accountId: number): Record<string, unknown> {
  const note = s.store.state.account(accountId).notes.get(noteId);
  if (!note) throw errors.notFound();
  const user = note.userId === null ? undefined : s.store.state.users.get(note.userId);
  return {
    id: note.id,
    content: note.content,
    account_id: note.accountId,
    contact_id: note.contactId,
    user: user ? userPush(user) : null,
    created_at: unixTime(note.createdAt),
    updated_at: unixTime(note.updatedAt),
  };
}

/** `payload` of a filter request; anything that is not a list of conditions is a bad attribute (422). */
function filterConditions(payload: unknown): FilterCondition[] {
  if (!Array.isArray(payload)) throw errors.unprocessable('Invalid attribute key - []. The allowed keys are [name,phone_number,email,identifier].');
  return payload.map((item: unknown) => {
    const p = (item ?? {}) as Params;
    const values = Array.isArray(p.values) ? (p.values as Json[]) : p.values === undefined ? [] : [p.values as Json];
    return {
      attribute_key: str(p, 'attribute_key') ?? '',
      filter_operator: str(p, 'filter_operator') ?? '',
      values,
      query_operator: str(p, 'query_operator') ?? null,
    };
  });
}
