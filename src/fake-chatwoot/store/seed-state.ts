/** Builds a fresh State from a (checked) seed. */
import type { Seed } from '../config/seed.js';
import { DEFAULT_SUBSCRIPTIONS } from '../domain/subscriptions.js';
import type { Inbox, Role } from '../domain/records.js';
import { secureToken } from '../lib/tokens.js';
import { State } from './state.js';

/** Defaults that keep the id spaces apart, so a contact id, a display id and a message id are never equal early on. */
const FIRST_CONTACT_ID = 101;
const FIRST_DISPLAY_ID = 1;
const FIRST_MESSAGE_ID = 1001;
const FIRST_INTERNAL_CONVERSATION_ID = 5001;

export function stateFromSeed(seed: Seed, now: number): State {
  const maxInbox = Math.max(0, ...seed.inboxes.map((i) => i.id));
  const state = new State({
    inbox: maxInbox + 1,
    channel: maxInbox + 1,
    contactInbox: 1,
    conversation: FIRST_INTERNAL_CONVERSATION_ID,
    attachment: 1,
    webhook: 1,
    note: 1,
    attributeDefinition: 1,
  });
  for (const account of seed.accounts) {
    state.accounts.set(account.id, {
      account: { id: account.id, name: account.name },
      next: {
        contact: account.next_contact_id ?? FIRST_CONTACT_ID,
        display: account.next_display_id ?? FIRST_DISPLAY_ID,
        message: account.next_message_id ?? FIRST_MESSAGE_ID,
      },
      contacts: new Map(),
      conversationsByDisplay: new Map(),
      messages: new Map(),
      notes: new Map(),
      attributeDefinitions: new Map(),
    });
  }
  for (const user of seed.users) {
    const roles = new Map<number, Role>(user.accounts.map((m) => [m.account_id, m.role]));
    state.users.set(user.id, { id: user.id, name: user.name, email: user.email, roles, pubsubToken: secureToken() });
    state.tokens.set(user.access_token, { type: 'User', id: user.id });
  }
  for (const bot of seed.agent_bots) {
    state.bots.set(bot.id, { id: bot.id, name: bot.name, accountId: bot.account_id ?? null, inboxIds: new Set(bot.inbox_ids ?? []) });
    state.tokens.set(bot.access_token, { type: 'AgentBot', id: bot.id });
  }
  for (const inbox of seed.inboxes) {
    const record: Inbox = {
      id: inbox.id,
      accountId: inbox.account_id,
      channelId: inbox.id,
      channelType: inbox.channel_type === 'web_widget' ? 'Channel::WebWidget' : 'Channel::Api',
      name: inbox.name,
      webhookUrl: inbox.webhook_url ?? '',
      identifier: inbox.inbox_identifier ?? secureToken(),
      hmacToken: inbox.hmac_token ?? secureToken(),
      secret: inbox.secret ?? secureToken(),
      hmacMandatory: inbox.hmac_mandatory ?? false,
      additionalAttributes: {},
      lockToSingleConversation: inbox.lock_to_single_conversation ?? false,
      allowMessagesAfterResolved: inbox.allow_messages_after_resolved ?? true,
      enableAutoAssignment: true,
      greetingEnabled: false,
      greetingMessage: null,
      memberIds: new Set(inbox.members ?? []),
      createdAt: now,
      updatedAt: now,
    };
    state.inboxes.set(record.id, record);
  }
  for (const def of seed.custom_attribute_definitions) {
    const defId = state.next.attributeDefinition++;
    state.account(def.account_id).attributeDefinitions.set(defId, {
      id: defId,
      accountId: def.account_id,
      key: def.attribute_key,
      displayName: def.attribute_display_name ?? def.attribute_key,
      displayType: def.attribute_display_type ?? 'text',
      model: def.attribute_model,
      createdAt: now,
    });
  }
  for (const hook of seed.webhooks) {
    const hookId = state.next.webhook++;
    state.webhooks.set(hookId, {
      id: hookId,
      accountId: hook.account_id,
      name: hook.name ?? null,
      url: hook.url,
      subscriptions: hook.subscriptions ?? [...DEFAULT_SUBSCRIPTIONS],
      inboxId: hook.inbox_id ?? null,
      secret: hook.secret ?? secureToken(),
      createdAt: now,
    });
  }
  return state;
}
