import type { Principal } from '../auth/principal.js';
import type { AnnotationReads } from '../db/ports/annotations.js';
import type { ConversationListQuery, ConversationReads } from '../db/ports/conversations.js';
import type { MessageSearch } from '../db/ports/message-search.js';
import type { StoredMessageReads } from '../db/ports/stored-messages.js';
import { keyOfTime, KEY_SLOTS } from '../db/repositories/stored-message-rows.js';
import type { AnnotationRow, ChatType, ConversationRow, StoredDirection, StoredMessageRow, StoredMessageType } from '../db/schema.js';
import type { Scope } from '../domain/access.js';
import { GatewayError, ValidationError } from '../domain/errors.js';
import { parseFtsQuery } from '../domain/fts-query.js';
import { isLidJid, normalizeJid } from '../domain/jid.js';
import { ChatLists, type ChatListPage } from './chat-lists.js';
import { keyCursor } from './cursor.js';
import { messagePage, type PageInfo, type PageStart } from './message-pages.js';
import { searchSnippet } from './snippet.js';
import { messageView, type ConversationView, type MessageView } from './views.js';

/**
 * Who may see which number (the access policy): every read, list, search and count of the store goes through
 * `numbers()` / `number()` / `message()` below, so the rule is applied in one place. A number the caller may not
 * see is reported exactly like one that does not exist.
 */
export interface Visibility {
  visible(principal: Principal, scope: Scope): readonly { readonly phoneNumber: string }[];
  require(principal: Principal, scope: Scope, phoneNumber: string): unknown;
  allowsNumber(principal: Principal, scope: Scope, phoneNumber: string): boolean;
}

export interface ConversationServiceDeps {
  readonly visibility: Visibility;
  readonly messages: StoredMessageReads;
  readonly search: MessageSearch;
  readonly conversations: ConversationReads;
  readonly annotations: AnnotationReads;
  /** The newest journal `seq` of a number: what a list is current to. */
  readonly lastSeq: (phoneNumber: string) => number;
  /** Index what is queued for search, so a search sees every stored message. */
  readonly indexPending: () => Promise<unknown>;
}

/** The `seq` each number's answer is current to: `join {room: device-<phone>, since}` from there misses nothing. */
export type AsOf = Record<string, number>;

/** A chat list as a caller asks for it: the numbers come from what the caller may see. */
export type ChatListQuery = Omit<ConversationListQuery, 'phoneNumbers'>;

export interface MessageQuery {
  readonly before?: number;
  readonly after?: number;
  /** A message id: the page centred on it. */
  readonly around?: string;
  readonly direction?: StoredDirection;
  readonly types?: readonly StoredMessageType[];
  readonly hasMedia?: boolean;
  readonly from?: number;
  readonly to?: number;
  readonly merge: boolean;
  readonly limit: number;
}

export interface SearchRequest {
  readonly q: string;
  readonly numbers?: readonly string[];
  readonly chatId?: string;
  readonly direction?: StoredDirection;
  readonly types?: readonly StoredMessageType[];
  readonly from?: number;
  readonly to?: number;
  readonly before?: number;
  readonly limit: number;
}

export interface SearchResult {
  readonly message: MessageView;
  readonly chat: { readonly id: string; readonly phoneNumber: string; readonly name: string | null; readonly type: ChatType };
  /** HTML-safe: the text escaped, the matched words in `<mark>…</mark>`. */
  readonly snippet: string;
  /** The same excerpt as plain text. */
  readonly snippetText: string;
}

export interface UnreadTotals {
  readonly phoneNumber: string;
  /** Chats with unread messages. */
  readonly chats: number;
  /** Unread messages in them. */
  readonly messages: number;
}

/** A chat as a caller names it: its JID, its `@lid` alias (merged), or with `merge=false` one side of a merged chat. */
export interface ResolvedChat {
  readonly row: ConversationRow;
  /** With `merge=false`, only messages that came under this JID. */
  readonly thread?: string;
}

/** The store's read side for callers: chats, messages, inbox, search, each within what the caller may see. */
export class ConversationService {
  readonly lists: ChatLists;

  constructor(private readonly deps: ConversationServiceDeps) {
    this.lists = new ChatLists(deps.conversations, deps.messages);
  }

  /** The numbers a caller may see; with `requested`, only those of them (others are left out, not reported). */
  numbers(principal: Principal, requested?: readonly string[]): string[] {
    const visible = this.deps.visibility.visible(principal, 'messages:read').map((d) => d.phoneNumber);
    return requested ? visible.filter((p) => requested.includes(p)) : visible;
  }

  /** One number the caller names: 404 when it does not exist or is not theirs. */
  number(principal: Principal, phoneNumber: string, scope: Scope = 'messages:read'): string {
    this.deps.visibility.require(principal, scope, phoneNumber);
    return phoneNumber;
  }

  asOf(phoneNumbers: readonly string[]): AsOf {
    return Object.fromEntries(phoneNumbers.map((p) => [p, this.deps.lastSeq(p)]));
  }

  async chats(principal: Principal, phoneNumber: string, query: ChatListQuery & { readonly merge: boolean }): Promise<ChatListPage & { asOf: AsOf }> {
    const phone = this.number(principal, phoneNumber);
    const asOf = this.asOf([phone]);
    const request = { ...query, phoneNumbers: [phone] };
    return { ...(await (query.merge ? this.lists.list(request) : this.lists.listApart({ ...request, phoneNumber: phone }))), asOf };
  }

  async inbox(principal: Principal, query: ChatListQuery & { readonly numbers?: readonly string[] }): Promise<ChatListPage & { asOf: AsOf }> {
    const phones = this.numbers(principal, query.numbers);
    const asOf = this.asOf(phones);
    return { ...(await this.lists.list({ ...query, phoneNumbers: phones })), asOf };
  }

  /** Unread chats and messages of every number the caller may see (or of `numbers`), zeros included. */
  async unread(principal: Principal, numbers?: readonly string[]): Promise<{ numbers: UnreadTotals[]; total: { chats: number; messages: number }; asOf: AsOf }> {
    const phones = this.numbers(principal, numbers);
    const asOf = this.asOf(phones);
    const found = new Map((await this.deps.conversations.unreadTotals(phones)).map((t) => [t.phoneNumber, t]));
    const list = phones.map((phoneNumber) => found.get(phoneNumber) ?? { phoneNumber, chats: 0, messages: 0 });
    const total = list.reduce((sum, t) => ({ chats: sum.chats + t.chats, messages: sum.messages + t.messages }), { chats: 0, messages: 0 });
    return { numbers: list, total, asOf };
  }

  async chat(principal: Principal, phoneNumber: string, chatId: string, merge = true): Promise<ConversationView & { asOf: AsOf }> {
    const phone = this.number(principal, phoneNumber);
    const asOf = this.asOf([phone]);
    const { row, thread } = await this.resolve(phone, chatId, merge);
    return { ...(await this.lists.view(thread ? await this.threadRow(row, thread) : row)), asOf };
  }

  async messages(principal: Principal, phoneNumber: string, chatId: string, query: MessageQuery): Promise<{ data: MessageView[]; chat: ConversationView; page: PageInfo; asOf: AsOf }> {
    const phone = this.number(principal, phoneNumber);
    const asOf = this.asOf([phone]);
    const { row, thread } = await this.resolve(phone, chatId, query.merge);
    const filter = {
      phoneNumber: phone,
      chatKey: row.chatKey,
      chatJid: thread,
      direction: query.direction,
      types: query.types,
      hasMedia: query.hasMedia,
      fromKey: query.from === undefined ? undefined : keyOfTime(query.from),
      toKey: query.to === undefined ? undefined : keyOfTime(query.to) + KEY_SLOTS - 1,
    };
    let start: PageStart = { kind: 'newest' };
    if (query.around !== undefined) {
      const message = await this.deps.messages.byId(query.around);
      if (!message || message.phoneNumber !== phone || message.chatKey !== row.chatKey) throw new ValidationError([{ field: 'around', message: 'is not a message of this chat' }]);
      start = { kind: 'around', message };
    } else if (query.before !== undefined) start = { kind: 'before', key: query.before };
    else if (query.after !== undefined) start = { kind: 'after', key: query.after };
    const { rows, page } = await messagePage(this.deps.messages, filter, start, query.limit);
    return { data: await this.views(phone, rows), chat: await this.lists.view(thread ? await this.threadRow(row, thread) : row), page, asOf };
  }

  async search(principal: Principal, request: SearchRequest): Promise<{ data: SearchResult[]; page: { before: string | null; hasMore: boolean }; asOf: AsOf }> {
    const parsed = parseFtsQuery(request.q);
    if (!parsed.ok) throw new ValidationError([{ field: 'q', message: parsed.message }]);
    const phones = this.numbers(principal, request.numbers);
    const asOf = this.asOf(phones);
    const chatKey = request.chatId === undefined ? undefined : (normalizeJid(request.chatId) ?? undefined);
    await this.deps.indexPending();
    let hits;
    try {
      hits = await this.deps.search.search({
        match: parsed.query,
        phoneNumbers: phones,
        chatKey,
        direction: request.direction,
        types: request.types,
        belowKey: request.before,
        fromKey: request.from === undefined ? undefined : keyOfTime(request.from),
        toKey: request.to === undefined ? undefined : keyOfTime(request.to) + KEY_SLOTS - 1,
        limit: request.limit + 1,
      });
    } catch (err) {
      // parseFtsQuery re-quotes every term, so this should not happen; if SQLite still refuses, it is the query's fault.
      if (err instanceof Error && /fts5|syntax/i.test(err.message)) throw new ValidationError([{ field: 'q', message: 'could not be read as a search' }]);
      throw err;
    }
    const page = hits.slice(0, request.limit);
    const annotations = await this.annotationsOf(page.map((h) => h.row));
    const chats = new Map<string, ConversationRow | undefined>();
    for (const { row } of page) {
      const id = `${row.phoneNumber}\u0001${row.chatKey}`;
      if (!chats.has(id)) chats.set(id, await this.deps.conversations.get(row.phoneNumber, row.chatKey));
    }
    const data = page.map(({ row, snippet }) => {
      const chat = chats.get(`${row.phoneNumber}\u0001${row.chatKey}`);
      return {
        message: messageView(row, annotations.get(`${row.phoneNumber}\u0001${row.waId}`) ?? []),
        chat: { id: row.chatKey, phoneNumber: row.phoneNumber, name: chat?.name ?? null, type: chat?.type ?? (row.chatKey.endsWith('@g.us') ? 'group' : 'direct') },
        ...searchSnippet(snippet),
      };
    });
    const last = page.at(-1);
    return { data, page: { before: last && hits.length > request.limit ? keyCursor('search', last.row.key) : null, hasMore: hits.length > request.limit }, asOf };
  }

  /** A stored message by id, within what the caller may see (else MESSAGE_NOT_FOUND). */
  async message(principal: Principal, id: string, scope: Scope = 'messages:read'): Promise<StoredMessageRow> {
    const row = await this.deps.messages.byId(id);
    if (!row || !this.deps.visibility.allowsNumber(principal, scope, row.phoneNumber)) throw new GatewayError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    return row;
  }

  /** The chat a caller names in a URL (after the number was checked). */
  async resolve(phoneNumber: string, chatId: string, merge: boolean): Promise<ResolvedChat> {
    const jid = normalizeJid(chatId);
    if (!jid) throw new ValidationError([{ field: 'chatId', message: 'must be a chat JID or the digits of a phone number' }]);
    const { conversations } = this.deps;
    const direct = await conversations.get(phoneNumber, jid);
    if (direct) return merge || !direct.altJid ? { row: direct } : { row: direct, thread: jid };
    const viaAlias = isLidJid(jid) ? await conversations.byAlt(phoneNumber, jid) : undefined;
    if (viaAlias) return merge ? { row: viaAlias } : { row: viaAlias, thread: jid };
    throw new GatewayError('CHAT_NOT_FOUND', `chat ${jid} not found for ${phoneNumber}`);
  }

  private async threadRow(row: ConversationRow, thread: string): Promise<ConversationRow> {
    const side = (await this.deps.messages.threadsOf(row.phoneNumber, row.chatKey, row.readKey)).find((t) => t.jid === thread);
    return { ...row, chatKey: thread, altJid: null, lastKey: side?.lastKey ?? 0, unread: side?.unread ?? 0 };
  }

  private async views(phoneNumber: string, rows: readonly StoredMessageRow[]): Promise<MessageView[]> {
    const annotations = await this.annotationsOf(rows);
    return rows.map((row) => messageView(row, annotations.get(`${phoneNumber}\u0001${row.waId}`) ?? []));
  }

  private async annotationsOf(rows: readonly StoredMessageRow[]): Promise<Map<string, AnnotationRow[]>> {
    const byNumber = new Map<string, string[]>();
    for (const row of rows) if (row.waId) byNumber.set(row.phoneNumber, [...(byNumber.get(row.phoneNumber) ?? []), row.waId]);
    const found = new Map<string, AnnotationRow[]>();
    for (const [phone, ids] of byNumber) {
      for (const a of await this.deps.annotations.forTargets(phone, ids)) {
        const id = `${phone}\u0001${a.targetWaId}`;
        found.set(id, [...(found.get(id) ?? []), a]);
      }
    }
    return found;
  }
}
