/** Inbox routes (FC-17): list, show, create and update (administrators), reset_secret (4.13+). */
import type { Services } from '../app.js';
import { bool, obj, optionalText, str, type Params } from '../http/params.js';
import { ok } from '../http/reply.js';
import type { RouteCtx, RouteSpec } from '../http/router.js';
import type { InboxInput } from '../services/inboxes.js';
import { inboxJson } from '../views/inbox-view.js';
import { ACCOUNT, idParam, principalOf } from './helpers.js';

function inboxInput(params: Params): InboxInput {
  const channel = obj(params.channel);
  return {
    name: str(params, 'name'),
    lockToSingleConversation: bool(params.lock_to_single_conversation),
    allowMessagesAfterResolved: bool(params.allow_messages_after_resolved),
    enableAutoAssignment: bool(params.enable_auto_assignment),
    greetingEnabled: bool(params.greeting_enabled),
    greetingMessage: optionalText(params, 'greeting_message'),
    channel: channel && {
      type: str(channel, 'type'),
      webhookUrl: optionalText(channel, 'webhook_url'),
      hmacMandatory: bool(channel.hmac_mandatory),
      additionalAttributes: obj(channel.additional_attributes),
    },
  };
}

export function inboxRoutes(s: Services): RouteSpec[] {
  const render = (ctx: RouteCtx, inbox: Parameters<typeof inboxJson>[1]) => inboxJson(s.view, inbox, s.access.isAdmin(principalOf(ctx), ctx.accountId));
  const visible = (ctx: RouteCtx) => {
    const inbox = s.store.state.inbox(ctx.accountId, idParam(ctx, 'id'));
    s.access.assertInbox(principalOf(ctx), inbox);
    return inbox;
  };
  return [
    {
      id: 'inboxes.index', method: 'GET', path: `${ACCOUNT}/inboxes`, auth: 'account',
      handler: (ctx) => ok({ payload: s.inboxes.list(principalOf(ctx), ctx.accountId).map((i) => render(ctx, i)) }),
    },
    { id: 'inboxes.show', method: 'GET', path: `${ACCOUNT}/inboxes/:id`, auth: 'account', handler: (ctx) => ok(render(ctx, visible(ctx))) },
    {
      id: 'inboxes.create', method: 'POST', path: `${ACCOUNT}/inboxes`, auth: 'account',
      handler: (ctx) => ok(render(ctx, s.inboxes.create(ctx.tx, principalOf(ctx), ctx.accountId, inboxInput(ctx.params)))),
    },
    ...(['PATCH', 'PUT'] as const).map((method): RouteSpec => ({
      id: 'inboxes.update', method, path: `${ACCOUNT}/inboxes/:id`, auth: 'account',
      handler: (ctx) => {
        const inbox = s.store.state.inbox(ctx.accountId, idParam(ctx, 'id'));
        return ok(render(ctx, s.inboxes.update(ctx.tx, principalOf(ctx), inbox, inboxInput(ctx.params))));
      },
    })),
    {
      id: 'inboxes.reset_secret', method: 'POST', path: `${ACCOUNT}/inboxes/:id/reset_secret`, auth: 'account', feature: 'inboxWebhookSigning',
      handler: (ctx) => ok(render(ctx, s.inboxes.resetSecret(principalOf(ctx), s.store.state.inbox(ctx.accountId, idParam(ctx, 'id'))))),
    },
  ];
}
