import type { ChatPageQuery, StoredMessageReads } from '../db/ports/stored-messages.js';
import type { StoredMessageRow } from '../db/schema.js';
import { keyCursor } from './cursor.js';

/** Filters of a chat's messages page (the keyset bounds are added here). */
export type MessageFilter = Omit<ChatPageQuery, 'belowKey' | 'aboveKey' | 'limit' | 'order'>;

/** Where a page starts: the newest messages, before or after a cursor's key, or around one message. */
export type PageStart = { readonly kind: 'newest' } | { readonly kind: 'before' | 'after'; readonly key: number } | { readonly kind: 'around'; readonly message: StoredMessageRow };

export interface PageInfo {
  /** Pass as `before` for older messages (the oldest of this page). */
  readonly before: string | null;
  /** Pass as `after` for newer ones (the newest of this page): also what to poll with. */
  readonly after: string | null;
  readonly hasBefore: boolean;
  readonly hasAfter: boolean;
}

/**
 * One page of a chat, newest first, by keyset on the time-ordered key: a message arriving while a client pages
 * back never shifts a page, and `after` picks up exactly what arrived since.
 */
export async function messagePage(repo: StoredMessageReads, filter: MessageFilter, start: PageStart, limit: number): Promise<{ rows: StoredMessageRow[]; page: PageInfo }> {
  const older = (belowKey: number | undefined, n: number) => repo.page({ ...filter, belowKey, limit: n, order: 'desc' });
  const newer = (aboveKey: number, n: number) => repo.page({ ...filter, aboveKey, limit: n, order: 'asc' });
  let rows: StoredMessageRow[];
  let hasBefore: boolean;
  let hasAfter: boolean;
  switch (start.kind) {
    case 'newest': {
      const found = await older(undefined, limit + 1);
      rows = found.slice(0, limit);
      hasBefore = found.length > limit;
      hasAfter = false;
      break;
    }
    case 'before': {
      const found = await older(start.key, limit + 1);
      rows = found.slice(0, limit);
      hasBefore = found.length > limit;
      hasAfter = (await newer(rows[0]?.key ?? start.key - 1, 1)).length > 0;
      break;
    }
    case 'after': {
      const found = await newer(start.key, limit + 1);
      rows = found.slice(0, limit).reverse();
      hasAfter = found.length > limit;
      hasBefore = (await older(rows.at(-1)?.key ?? start.key + 1, 1)).length > 0;
      break;
    }
    case 'around': {
      const half = Math.floor((limit - 1) / 2);
      const [before, after] = await Promise.all([older(start.message.key, half + 1), newer(start.message.key, limit - 1 - half + 1)]);
      hasBefore = before.length > half;
      hasAfter = after.length > limit - 1 - half;
      rows = [...after.slice(0, limit - 1 - half).reverse(), start.message, ...before.slice(0, half)];
      break;
    }
  }
  const newest = rows[0];
  const oldest = rows.at(-1);
  const given = start.kind === 'before' || start.kind === 'after' ? start.key : null;
  return {
    rows,
    page: {
      before: oldest ? keyCursor('messages', oldest.key) : given !== null ? keyCursor('messages', given) : null,
      after: newest ? keyCursor('messages', newest.key) : given !== null ? keyCursor('messages', given) : null,
      hasBefore,
      hasAfter,
    },
  };
}
