/** Account webhooks and custom attribute definitions as their controllers render them. */
import type { AccountWebhook, AttributeDefinition } from '../domain/records.js';
import { isoTime } from '../lib/time.js';
import type { JsonMap, ViewCtx } from './context.js';
import { inboxWebhook } from './inbox-view.js';

export function webhookJson(ctx: ViewCtx, webhook: AccountWebhook): JsonMap {
  const inbox = webhook.inboxId === null ? undefined : ctx.store.state.inboxes.get(webhook.inboxId);
  return {
    id: webhook.id,
    name: webhook.name,
    url: webhook.url,
    account_id: webhook.accountId,
    subscriptions: webhook.subscriptions,
    secret: webhook.secret,
    inbox: inbox ? inboxWebhook(inbox) : undefined,
  };
}

export function attributeDefinitionJson(def: AttributeDefinition): JsonMap {
  return {
    id: def.id,
    attribute_display_name: def.displayName,
    attribute_display_type: def.displayType,
    attribute_description: null,
    attribute_key: def.key,
    regex_pattern: null,
    regex_cue: null,
    attribute_values: [],
    attribute_model: def.model,
    default_value: null,
    created_at: isoTime(def.createdAt),
    updated_at: isoTime(def.createdAt),
  };
}
