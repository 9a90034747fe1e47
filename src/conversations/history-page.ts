import type { SyncPatch } from '../db/repositories/syncs.js';
import type { SyncRow } from '../db/schema.js';
import { ChildHttpError, type GowaClient } from '../gowa/client.js';
import { historyChat, historyMessage } from './parse-history.js';
import type { ConversationStore } from './store.js';

export interface PageDeps {
  readonly client: GowaClient;
  readonly store: ConversationStore;
  readonly transaction: <T>(work: () => T) => T;
  readonly pageSize: number;
}

export interface PageResult {
  readonly patch: SyncPatch;
  /** The last page of the last chat: the sync is complete. */
  readonly done: boolean;
}

/**
 * One step of a number's backfill: a page of its chat list (phase 1, `chatIndex` −1), or a page of one chat's
 * messages (phase 2), stored in one transaction. Pages are bounded by the sync's window (`since` … `until`), so
 * messages arriving meanwhile (stored live) do not shift the offsets.
 */
export async function syncPage(deps: PageDeps, row: SyncRow): Promise<PageResult> {
  const { client, store, transaction, pageSize } = deps;
  const phoneNumber = row.phoneNumber;
  const chats = row.chats ?? [];
  if (row.chatIndex < 0) {
    const { data, total } = await client.chats(pageSize, row.offset);
    const listed = transaction(() => {
      const jids: string[] = [];
      for (const raw of data) {
        const chat = historyChat(raw);
        // A chat with nothing since `since` has nothing to fetch (and is not listed as an empty chat).
        if (!chat || (chat.lastActivity !== null && chat.lastActivity < row.since)) continue;
        store.upsertChat(phoneNumber, chat);
        jids.push(chat.jid);
      }
      return jids;
    });
    const offset = row.offset + data.length;
    const all = [...chats, ...listed];
    const finished = data.length < pageSize || offset >= total;
    return finished ? { patch: { chats: all, chatIndex: 0, offset: 0 }, done: all.length === 0 } : { patch: { chats: all, offset }, done: false };
  }
  const jid = chats[row.chatIndex];
  if (jid === undefined) return { patch: {}, done: true };
  const next = (): PageResult => ({ patch: { chatIndex: row.chatIndex + 1, offset: 0 }, done: row.chatIndex + 1 >= chats.length });
  let page: Awaited<ReturnType<GowaClient['chatMessages']>>;
  try {
    page = await client.chatMessages(jid, {
      limit: pageSize,
      offset: row.offset,
      startTime: new Date(row.since).toISOString(),
      endTime: new Date(row.until).toISOString(),
    });
  } catch (err) {
    // The binary answers a plain 500 for a chat its storage no longer has (deleted meanwhile): skip it.
    if (err instanceof ChildHttpError && err.status === 500 && /not found/i.test(err.message)) return next();
    throw err;
  }
  const added = transaction(() => {
    let count = 0;
    for (const message of page.data) {
      const parsed = historyMessage(jid, message);
      if (!parsed) continue;
      if (!store.has(phoneNumber, parsed.input)) {
        store.ingest(phoneNumber, parsed.input);
        count++;
      }
      for (const reaction of parsed.reactions) store.act(phoneNumber, reaction);
    }
    return count;
  });
  const offset = row.offset + page.data.length;
  const counts = { messagesSeen: row.messagesSeen + page.data.length, messagesAdded: row.messagesAdded + added };
  if (page.data.length < pageSize || offset >= page.total) {
    const after = next();
    return { patch: { ...counts, ...after.patch }, done: after.done };
  }
  return { patch: { ...counts, offset }, done: false };
}
