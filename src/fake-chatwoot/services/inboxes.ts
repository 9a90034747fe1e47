/**
 * Inboxes (`InboxesController`, `InboxPolicy`): listing what the token may see, creating and updating API
 * (and web widget) inboxes — administrators only, a Pundit 401 otherwise — and rotating the signing secret.
 */
import { assertValid, errors, type ValidationFailure } from '../domain/errors.js';
import type { Inbox, JsonObject } from '../domain/records.js';
import type { Changes, Tx } from '../events/domain-event.js';
import type { EventFactory } from '../events/event-factory.js';
import { isoTime, type Clock } from '../lib/time.js';
import { secureToken } from '../lib/tokens.js';
import type { Store } from '../store/store.js';
import type { Access, Principal } from './access.js';

export interface InboxInput {
  readonly name?: string;
  readonly lockToSingleConversation?: boolean;
  readonly allowMessagesAfterResolved?: boolean;
  readonly enableAutoAssignment?: boolean;
  readonly greetingEnabled?: boolean;
  readonly greetingMessage?: string | null;
  /** undefined: no `channel` object at all. */
  readonly channel?: {
    readonly type?: string;
    readonly webhookUrl?: string | null;
    readonly hmacMandatory?: boolean;
    readonly additionalAttributes?: JsonObject;
  };
}

const WEBHOOK_URL_MAX = 2048;
const TYPES: Record<string, Inbox['channelType']> = { api: 'Channel::Api', web_widget: 'Channel::WebWidget' };

export class Inboxes {
  constructor(
    private readonly store: Store,
    private readonly access: Access,
    private readonly events: EventFactory,
    private readonly now: Clock,
  ) {}

  /** `order_by_name`, filtered by the policy scope. */
  list(principal: Principal, accountId: number): Inbox[] {
    return [...this.store.state.inboxes.values()]
      .filter((inbox) => inbox.accountId === accountId && this.access.canSeeInbox(principal, inbox))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id);
  }

  create(tx: Tx, principal: Principal, accountId: number, input: InboxInput): Inbox {
    this.access.assertAdmin(principal, accountId);
    // `permitted_params[:channel][:type]` on a missing channel is a NoMethodError: 500.
    if (!input.channel) throw errors.internal("undefined method `[]' for nil");
    const channelType = TYPES[input.channel.type ?? ''];
    const name = input.name ?? '';
    const failures: ValidationFailure[] = [];
    if (!channelType) failures.push(['channel', 'Channel must exist']);
    if (name.trim() === '') failures.push(['name', "Name can't be blank"]);
    if ((input.channel.webhookUrl ?? '').length > WEBHOOK_URL_MAX) failures.push(['webhook_url', `Webhook url is too long (maximum is ${WEBHOOK_URL_MAX} characters)`]);
    assertValid(failures);
    const state = this.store.state;
    const now = this.now();
    const inbox: Inbox = {
      id: state.next.inbox++,
      accountId,
      channelId: state.next.channel++,
      channelType: channelType ?? 'Channel::Api',
      name,
      webhookUrl: input.channel.webhookUrl ?? '',
      identifier: secureToken(),
      hmacToken: secureToken(),
      secret: secureToken(),
      hmacMandatory: input.channel.hmacMandatory ?? false,
      additionalAttributes: input.channel.additionalAttributes ?? {},
      lockToSingleConversation: input.lockToSingleConversation ?? false,
      allowMessagesAfterResolved: input.allowMessagesAfterResolved ?? true,
      enableAutoAssignment: input.enableAutoAssignment ?? true,
      greetingEnabled: input.greetingEnabled ?? false,
      greetingMessage: input.greetingMessage ?? null,
      memberIds: new Set(),
      createdAt: now,
      updatedAt: now,
    };
    state.inboxes.set(inbox.id, inbox);
    tx.emit(this.events.inbox('inbox_created', inbox));
    return inbox;
  }

  /** Inbox attributes announce `inbox_updated`; channel attributes (webhook_url…) live on the channel row and do not. */
  update(tx: Tx, principal: Principal, inbox: Inbox, input: InboxInput): Inbox {
    this.access.assertAdmin(principal, inbox.accountId);
    const url = input.channel?.webhookUrl;
    const failures: ValidationFailure[] = [];
    if (input.name !== undefined && input.name.trim() === '') failures.push(['name', "Name can't be blank"]);
    if (url && url.length > WEBHOOK_URL_MAX) failures.push(['webhook_url', `Webhook url is too long (maximum is ${WEBHOOK_URL_MAX} characters)`]);
    assertValid(failures);
    if (inbox.channelType === 'Channel::Api' && input.channel) {
      if (url !== undefined) inbox.webhookUrl = url ?? '';
      if (input.channel.hmacMandatory !== undefined) inbox.hmacMandatory = input.channel.hmacMandatory;
      if (input.channel.additionalAttributes) inbox.additionalAttributes = input.channel.additionalAttributes;
    }
    const changes: Record<string, readonly [unknown, unknown]> = {};
    const set = <K extends 'name' | 'lockToSingleConversation' | 'allowMessagesAfterResolved' | 'enableAutoAssignment' | 'greetingEnabled' | 'greetingMessage'>(key: K, column: string, value: Inbox[K] | undefined): void => {
      if (value === undefined || inbox[key] === value) return;
      changes[column] = [inbox[key], value];
      inbox[key] = value;
    };
    set('name', 'name', input.name);
    set('lockToSingleConversation', 'lock_to_single_conversation', input.lockToSingleConversation);
    set('allowMessagesAfterResolved', 'allow_messages_after_resolved', input.allowMessagesAfterResolved);
    set('enableAutoAssignment', 'enable_auto_assignment', input.enableAutoAssignment);
    set('greetingEnabled', 'greeting_enabled', input.greetingEnabled);
    set('greetingMessage', 'greeting_message', input.greetingMessage);
    if (Object.keys(changes).length > 0) this.touch(tx, inbox, changes);
    return inbox;
  }

  /** API inboxes only (another channel is a 404), administrators only. */
  resetSecret(principal: Principal, inbox: Inbox): Inbox {
    this.access.assertAdmin(principal, inbox.accountId);
    if (inbox.channelType !== 'Channel::Api') throw errors.notFound();
    inbox.secret = secureToken();
    return inbox;
  }

  private touch(tx: Tx, inbox: Inbox, changes: Changes): void {
    const now = this.now();
    const all = { ...changes, updated_at: [isoTime(inbox.updatedAt), isoTime(now)] as const };
    inbox.updatedAt = now;
    tx.emit(this.events.inbox('inbox_updated', inbox, all));
  }
}
