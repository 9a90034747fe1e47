/**
 * Where an event goes (`WebhookListener`): the API inbox's `webhook_url` gets **every** event of the inbox;
 * account webhooks get the events they subscribe to (an inbox-scoped one only that inbox's). Which secret
 * signs it depends on the claimed version: account webhooks since 4.11.2, API inboxes since 4.13.0.
 */
import { INBOX_EVENTS } from '../domain/subscriptions.js';
import type { Features } from '../domain/version.js';
import type { Store } from '../store/store.js';
import type { DomainEvent } from './domain-event.js';

export interface Target {
  readonly kind: 'api_inbox' | 'account';
  readonly url: string;
  /** null: delivered unsigned. */
  readonly secret: string | null;
  readonly webhookId: number | null;
}

export function targetsFor(store: Store, features: Features, event: DomainEvent): Target[] {
  const state = store.state;
  const targets: Target[] = [];
  const inbox = event.inboxId === null ? undefined : state.inboxes.get(event.inboxId);
  if (inbox?.channelType === 'Channel::Api' && inbox.webhookUrl !== '' && INBOX_EVENTS.has(event.name)) {
    targets.push({ kind: 'api_inbox', url: inbox.webhookUrl, secret: features.inboxWebhookSigning ? inbox.secret : null, webhookId: null });
  }
  for (const webhook of state.webhooks.values()) {
    if (webhook.accountId !== event.accountId || !webhook.subscriptions.includes(event.name)) continue;
    if (webhook.inboxId !== null && webhook.inboxId !== event.inboxId) continue;
    targets.push({ kind: 'account', url: webhook.url, secret: features.accountWebhookSigning ? webhook.secret : null, webhookId: webhook.id });
  }
  return targets;
}
