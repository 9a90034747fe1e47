/** Account webhooks (FC-18) and custom attribute definitions, administrators only. */
import type { Services } from '../app.js';
import { errors } from '../domain/errors.js';
import { has, int, obj, optionalText, str } from '../http/params.js';
import { EMPTY_OK, ok } from '../http/reply.js';
import type { RouteCtx, RouteSpec } from '../http/router.js';
import type { WebhookInput } from '../services/account-webhooks.js';
import { attributeDefinitionJson, webhookJson } from '../views/settings-view.js';
import { ACCOUNT, idParam, principalOf } from './helpers.js';

/** `params.require(:webhook)`: no wrapper is ActionController::ParameterMissing, a 400. */
function webhookInput(ctx: RouteCtx): WebhookInput {
  const body = obj(ctx.params.webhook);
  if (!body) throw errors.badRequest();
  return {
    url: str(body, 'url'),
    name: optionalText(body, 'name'),
    subscriptions: body.subscriptions,
    inboxId: has(body, 'inbox_id') ? (int(body.inbox_id) ?? null) : undefined,
  };
}

export function settingsRoutes(s: Services): RouteSpec[] {
  const admin = (ctx: RouteCtx): void => s.access.assertAdmin(principalOf(ctx), ctx.accountId);
  return [
    {
      id: 'webhooks.index', method: 'GET', path: `${ACCOUNT}/webhooks`, auth: 'account',
      handler: (ctx) => {
        admin(ctx);
        return ok({ payload: { webhooks: s.accountWebhooks.list(ctx.accountId).map((w) => webhookJson(s.view, w)) } });
      },
    },
    {
      id: 'webhooks.create', method: 'POST', path: `${ACCOUNT}/webhooks`, auth: 'account',
      handler: (ctx) => {
        admin(ctx);
        return ok({ payload: { webhook: webhookJson(s.view, s.accountWebhooks.create(ctx.accountId, webhookInput(ctx))) } });
      },
    },
    ...(['PATCH', 'PUT'] as const).map((method): RouteSpec => ({
      id: 'webhooks.update', method, path: `${ACCOUNT}/webhooks/:id`, auth: 'account',
      handler: (ctx) => {
        admin(ctx);
        const webhook = s.accountWebhooks.find(ctx.accountId, idParam(ctx, 'id'));
        return ok({ payload: { webhook: webhookJson(s.view, s.accountWebhooks.update(webhook, webhookInput(ctx))) } });
      },
    })),
    {
      id: 'webhooks.destroy', method: 'DELETE', path: `${ACCOUNT}/webhooks/:id`, auth: 'account',
      handler: (ctx) => {
        admin(ctx);
        s.accountWebhooks.delete(s.accountWebhooks.find(ctx.accountId, idParam(ctx, 'id')));
        return EMPTY_OK;
      },
    },
    {
      id: 'custom_attribute_definitions.index', method: 'GET', path: `${ACCOUNT}/custom_attribute_definitions`, auth: 'account',
      handler: (ctx) => ok(s.attributes.list(ctx.accountId, str(ctx.params, 'attribute_model')).map(attributeDefinitionJson)),
    },
    {
      id: 'custom_attribute_definitions.create', method: 'POST', path: `${ACCOUNT}/custom_attribute_definitions`, auth: 'account',
      handler: (ctx) => {
        admin(ctx);
        const body = obj(ctx.params.custom_attribute_definition) ?? ctx.params;
        return ok(attributeDefinitionJson(s.attributes.create(ctx.accountId, {
          key: str(body, 'attribute_key'),
          displayName: str(body, 'attribute_display_name'),
          displayType: str(body, 'attribute_display_type'),
          model: str(body, 'attribute_model'),
        })));
      },
    },
  ];
}
