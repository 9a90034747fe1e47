/** Users and agent bots as senders: `push_event_data` (REST, conversation.messages) and `webhook_data`. */
import type { AgentBot, SenderRef, User } from '../domain/records.js';
import type { JsonMap, ViewCtx } from './context.js';
import { contactPush, contactWebhook } from './contact-view.js';

export function userPush(user: User): JsonMap {
  return { id: user.id, name: user.name, available_name: user.name, avatar_url: '', type: 'user', availability_status: 'offline', thumbnail: '' };
}

export function userWebhook(user: User): JsonMap {
  return { id: user.id, name: user.name, email: user.email, type: 'user' };
}

export function botPush(bot: AgentBot): JsonMap {
  return { id: bot.id, name: bot.name, avatar_url: '', type: 'agent_bot' };
}

export function botWebhook(bot: AgentBot): JsonMap {
  return { id: bot.id, name: bot.name, type: 'agent_bot' };
}

export function senderPush(ctx: ViewCtx, accountId: number, sender: SenderRef | null): JsonMap | undefined {
  const state = ctx.store.state;
  if (!sender) return undefined;
  if (sender.type === 'Contact') {
    const contact = state.account(accountId).contacts.get(sender.id);
    return contact ? contactPush(contact) : undefined;
  }
  if (sender.type === 'User') {
    const user = state.users.get(sender.id);
    return user ? userPush(user) : undefined;
  }
  const bot = state.bots.get(sender.id);
  return bot ? botPush(bot) : undefined;
}

/** `sender.try(:webhook_data)`: null when there is none (activity messages). */
export function senderWebhook(ctx: ViewCtx, accountId: number, sender: SenderRef | null): JsonMap | null {
  const state = ctx.store.state;
  if (!sender) return null;
  if (sender.type === 'Contact') {
    const contact = state.account(accountId).contacts.get(sender.id);
    return contact ? contactWebhook(ctx, contact) : null;
  }
  if (sender.type === 'User') {
    const user = state.users.get(sender.id);
    return user ? userWebhook(user) : null;
  }
  const bot = state.bots.get(sender.id);
  return bot ? botWebhook(bot) : null;
}
