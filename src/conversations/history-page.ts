import type { SyncPatch } from '../db/repositories/syncs.js';
import type { SyncRow } from '../db/schema.js';
import { ChildHttpError, type GowaClient } from '../gowa/client.js';
import { historyChat, historyMessage } from './parse-history.js';
import type { ConversationStore } from './store.js';

export interface PageDeps {
  readonly client: GowaClient;
  readonly store: ConversationStore;
  /** Runs `work` in one transaction, unless the sync is gone meanwhile (the number was deleted). */
  readonly transaction: (work: () => void) => void;
  readonly pageSize: number;
  /** Record where the sync is, in the page's own transaction (so a crash never counts a page twice). */
  readonly save: (result: PageResult) => void;
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
export async function syncPage(deps: PageDeps, row: SyncRow): Promise<void> {
  const { client, store, transaction, pageSize, save } = deps;
  const phoneNumber = row.phoneNumber;
  const chats = row.chats ?? [];
  if (row.chatIndex < 0) {
    const { data, total } = await client.chats(pageSize, row.offset);
    transaction(() => {
      const all = [...chats];
      for (const raw of data) {
        const chat = historyChat(raw);
        // A chat with nothing since `since` has nothing to fetch (and is not listed as an empty chat).
        if (!chat || (chat.lastActivity !== null && chat.lastActivity < row.since)) continue;
        store.upsertChat(phoneNumber, chat);
        all.push(chat.jid);
      }
      const offset = row.offset + data.length;
      const finished = data.length < pageSize || offset >= total;
      save(finished ? { patch: { chats: all, chatIndex: 0, offset: 0 }, done: all.length === 0 } : { patch: { chats: all, offset }, done: false });
    });
    return;
  }
  const jid = chats[row.chatIndex];
  if (jid === undefined) {
    transaction(() => save({ patch: {}, done: true }));
    return;
  }
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
    if (err instanceof ChildHttpError && err.status === 500 && /not found/i.test(err.message)) {
      transaction(() => save(next()));
      return;
    }
    throw err;
  }
  transaction(() => {
    let added = 0;
    for (const message of page.data) {
      const parsed = historyMessage(jid, message);
      if (!parsed) continue;
      if (!store.has(phoneNumber, parsed.input)) {
        store.ingest(phoneNumber, parsed.input);
        added++;
      }
      for (const reaction of parsed.reactions) store.act(phoneNumber, reaction);
    }
    const offset = row.offset + page.data.length;
    const counts = { messagesSeen: row.messagesSeen + page.data.length, messagesAdded: row.messagesAdded + added };
    if (page.data.length < pageSize || offset >= page.total) {
      const after = next();
      save({ patch: { ...counts, ...after.patch }, done: after.done });
    } else save({ patch: { ...counts, offset }, done: false });
  });
}
