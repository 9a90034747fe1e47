/** Small readers shared by the route files. */
import { errors } from '../domain/errors.js';
import type { Conversation } from '../domain/records.js';
import { int } from '../http/params.js';
import type { RouteCtx } from '../http/router.js';
import type { Access, Principal } from '../services/access.js';
import type { Store } from '../store/store.js';

export const ACCOUNT = '/api/v1/accounts/:aid';

export function principalOf(ctx: RouteCtx): Principal {
  if (!ctx.principal) throw errors.unauthenticated();
  return ctx.principal;
}

/** A path id as `find` reads it: not a number → 404. */
export function idParam(ctx: RouteCtx, key: string): number {
  const id = int(ctx.params[key]);
  if (id === undefined) throw errors.notFound();
  return id;
}

export function pageParam(ctx: RouteCtx): number {
  return int(ctx.params.page) ?? 1;
}

/** `Current.account.conversations.find_by!(display_id:)` then `authorize @conversation.inbox, :show?`. */
export function conversationOf(ctx: RouteCtx, store: Store, access: Access, key = 'cid'): Conversation {
  const conversation = store.state.conversationByDisplay(ctx.accountId, idParam(ctx, key));
  const inbox = store.state.inbox(ctx.accountId, conversation.inboxId);
  access.assertInbox(principalOf(ctx), inbox);
  return conversation;
}
