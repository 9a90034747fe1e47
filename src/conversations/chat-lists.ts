import type { ConversationListQuery, ConversationReads, ListPosition } from '../db/ports/conversations.js';
import type { StoredMessageReads } from '../db/ports/stored-messages.js';
import type { ConversationRow } from '../db/schema.js';
import { chatCursor } from './cursor.js';
import { conversationView, type ConversationView } from './views.js';

export interface ChatListPage {
  readonly data: ConversationView[];
  readonly page: { readonly before: string | null; readonly after: string | null; readonly hasBefore: boolean };
}

const positionOf = (row: ConversationRow): ListPosition => ({ lastKey: row.lastKey, phoneNumber: row.phoneNumber, chatKey: row.chatKey });

function compare(a: ListPosition, b: ListPosition): number {
  if (a.lastKey !== b.lastKey) return a.lastKey < b.lastKey ? -1 : 1;
  if (a.phoneNumber !== b.phoneNumber) return a.phoneNumber < b.phoneNumber ? -1 : 1;
  return a.chatKey < b.chatKey ? -1 : a.chatKey > b.chatKey ? 1 : 0;
}

/** Chat lists (a number's chats, the inbox across numbers), newest activity first, with their last messages. */
export class ChatLists {
  constructor(
    private readonly conversations: ConversationReads,
    private readonly messages: StoredMessageReads,
  ) {}

  async list(query: ConversationListQuery): Promise<ChatListPage> {
    const found = await this.conversations.list({ ...query, limit: query.limit + 1 });
    return await this.pageOf(query.after ? found.slice(-query.limit) : found.slice(0, query.limit), query.after ? true : found.length > query.limit, query);
  }

  /**
   * `merge=false`: a person known by phone JID and by `@lid` is two chats again, each with the messages that came
   * under it. Computed per request from the merged chats' messages (the store keeps merged chats only).
   */
  async listApart(query: ConversationListQuery & { readonly phoneNumber: string }): Promise<ChatListPage> {
    const rows: ConversationRow[] = [];
    for (const chat of await this.conversations.list({ ...query, before: undefined, after: undefined, limit: 1_000_000 })) {
      if (!chat.altJid) {
        rows.push(chat);
        continue;
      }
      for (const thread of await this.messages.threadsOf(chat.phoneNumber, chat.chatKey, chat.readKey)) {
        rows.push({ ...chat, chatKey: thread.jid, altJid: null, lastKey: thread.lastKey, unread: thread.unread });
      }
    }
    rows.sort((a, b) => compare(positionOf(b), positionOf(a)));
    const before = query.before;
    const after = query.after;
    const inRange = rows.filter((r) => (before ? compare(positionOf(r), before) < 0 : true) && (after ? compare(positionOf(r), after) > 0 : true));
    const page = after ? inRange.slice(-query.limit) : inRange.slice(0, query.limit);
    return await this.pageOf(page, after ? true : inRange.length > query.limit, query);
  }

  async view(row: ConversationRow): Promise<ConversationView> {
    return conversationView(row, row.lastKey > 0 ? await this.messages.byKey(row.lastKey) : undefined);
  }

  private async pageOf(rows: readonly ConversationRow[], hasBefore: boolean, query: ConversationListQuery): Promise<ChatListPage> {
    const lasts = await this.messages.byKeys(rows.map((r) => r.lastKey).filter((k) => k > 0));
    const first = rows[0];
    const last = rows.at(-1);
    const given = query.before ?? query.after;
    return {
      data: rows.map((row) => conversationView(row, lasts.get(row.lastKey))),
      page: {
        before: last ? chatCursor(positionOf(last)) : given ? chatCursor(given) : null,
        after: first ? chatCursor(positionOf(first)) : given ? chatCursor(given) : null,
        hasBefore,
      },
    };
  }
}
