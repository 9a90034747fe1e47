/**
 * Who a token is and what it may see (`access_token_auth_helper.rb`, `ensure_current_account_helper.rb`,
 * `InboxPolicy`): administrators see every inbox of their account, agents only the inboxes they are
 * members of, agent bots the accounts of the inboxes they are connected to.
 */
import { errors } from '../domain/errors.js';
import type { AgentBot, Inbox, SenderRef, User } from '../domain/records.js';
import type { Store } from '../store/store.js';

export type Principal = { readonly kind: 'user'; readonly user: User } | { readonly kind: 'bot'; readonly bot: AgentBot };

export class Access {
  constructor(private readonly store: Store) {}

  principalFor(token: string): Principal | undefined {
    const state = this.store.state;
    const owner = state.tokens.get(token);
    if (owner?.type === 'User') {
      const user = state.users.get(owner.id);
      return user ? { kind: 'user', user } : undefined;
    }
    if (owner?.type === 'AgentBot') {
      const bot = state.bots.get(owner.id);
      return bot ? { kind: 'bot', bot } : undefined;
    }
    return undefined;
  }

  /** Unknown account → 404 first, then membership → 401 (the order of the real before_actions). */
  assertAccount(principal: Principal, accountId: number): void {
    const state = this.store.state;
    state.account(accountId);
    const allowed = principal.kind === 'user'
      ? principal.user.roles.has(accountId)
      : [...principal.bot.inboxIds].some((id) => state.inboxes.get(id)?.accountId === accountId);
    if (!allowed) throw errors.accountForbidden();
  }

  isAdmin(principal: Principal, accountId: number): boolean {
    return principal.kind === 'user' && principal.user.roles.get(accountId) === 'administrator';
  }

  assertAdmin(principal: Principal, accountId: number): void {
    if (!this.isAdmin(principal, accountId)) throw errors.actionForbidden();
  }

  /** `InboxPolicy#show?`: bots pass, users need the inbox among their assigned inboxes. */
  canSeeInbox(principal: Principal, inbox: Inbox): boolean {
    if (principal.kind === 'bot') return true;
    return this.isAdmin(principal, inbox.accountId) || inbox.memberIds.has(principal.user.id);
  }

  assertInbox(principal: Principal, inbox: Inbox): void {
    if (!this.canSeeInbox(principal, inbox)) throw errors.actionForbidden();
  }

  senderOf(principal: Principal): SenderRef {
    return principal.kind === 'user' ? { type: 'User', id: principal.user.id } : { type: 'AgentBot', id: principal.bot.id };
  }
}
