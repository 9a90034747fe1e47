/**
 * Account webhooks (`WebhooksController`, `Webhook` model, administrators only): url unique per account and
 * http(s); subscriptions a non-empty subset of the allowed events; each with its own signing secret.
 */
import { assertValid, errors, type ValidationFailure } from '../domain/errors.js';
import type { AccountWebhook } from '../domain/records.js';
import { DEFAULT_SUBSCRIPTIONS, isEventName } from '../domain/subscriptions.js';
import type { Clock } from '../lib/time.js';
import { secureToken } from '../lib/tokens.js';
import type { Store } from '../store/store.js';

export interface WebhookInput {
  readonly url?: string;
  readonly name?: string | null;
  /** undefined: not given; otherwise whatever was sent (validated here). */
  readonly subscriptions?: unknown;
  readonly inboxId?: number | null;
}

const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/i;

export class AccountWebhooks {
  constructor(
    private readonly store: Store,
    private readonly now: Clock,
  ) {}

  list(accountId: number): AccountWebhook[] {
    return [...this.store.state.webhooks.values()].filter((w) => w.accountId === accountId);
  }

  find(accountId: number, id: number): AccountWebhook {
    const webhook = this.store.state.webhooks.get(id);
    if (!webhook || webhook.accountId !== accountId) throw errors.notFound();
    return webhook;
  }

  create(accountId: number, input: WebhookInput): AccountWebhook {
    const subscriptions = input.subscriptions === undefined ? [...DEFAULT_SUBSCRIPTIONS] : input.subscriptions;
    const url = input.url ?? '';
    const inboxId = this.inboxId(accountId, input.inboxId);
    assertValid(this.check(accountId, null, url, subscriptions));
    const state = this.store.state;
    const webhook: AccountWebhook = {
      id: state.next.webhook++,
      accountId,
      name: input.name ?? null,
      url,
      subscriptions: subscriptions as string[],
      inboxId,
      secret: secureToken(),
      createdAt: this.now(),
    };
    state.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  update(webhook: AccountWebhook, input: WebhookInput): AccountWebhook {
    const url = input.url ?? webhook.url;
    const subscriptions = input.subscriptions === undefined ? webhook.subscriptions : input.subscriptions;
    const inboxId = input.inboxId === undefined ? webhook.inboxId : this.inboxId(webhook.accountId, input.inboxId);
    assertValid(this.check(webhook.accountId, webhook.id, url, subscriptions));
    webhook.url = url;
    webhook.subscriptions = subscriptions as string[];
    webhook.inboxId = inboxId;
    if (input.name !== undefined) webhook.name = input.name;
    return webhook;
  }

  delete(webhook: AccountWebhook): void {
    this.store.state.webhooks.delete(webhook.id);
  }

  private inboxId(accountId: number, inboxId: number | null | undefined): number | null {
    if (inboxId === undefined || inboxId === null) return null;
    return this.store.state.inbox(accountId, inboxId).id;
  }

  private check(accountId: number, selfId: number | null, url: string, subscriptions: unknown): ValidationFailure[] {
    const failures: ValidationFailure[] = [];
    if (this.list(accountId).some((w) => w.id !== selfId && w.url === url)) failures.push(['url', 'Url has already been taken']);
    if (!HTTP_URL.test(url)) failures.push(['url', 'Url is invalid']);
    const valid = Array.isArray(subscriptions) && subscriptions.length > 0 && subscriptions.every((s) => typeof s === 'string' && isEventName(s));
    if (!valid) failures.push(['subscriptions', 'Subscriptions Invalid events']);
    return failures;
  }
}
