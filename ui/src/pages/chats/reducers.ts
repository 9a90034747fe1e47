import type { ChatType, Conversation, StoredMessage } from '../../lib/chat-types';
import type { Reducer } from '../../lib/live-view';

/** A list of chats as loaded so far (newest activity first) and where the next page starts. */
export interface ChatListView {
  readonly chats: readonly Conversation[];
  readonly before: string | null;
  readonly hasBefore: boolean;
}

export interface ChatFilter {
  readonly unread: boolean;
  readonly type: ChatType | '';
  /** Part of the name or JID (the server's `q`). */
  readonly q: string;
}

const sameChat = (a: { phoneNumber: string; id: string }, b: { phoneNumber: string; id: string }) => a.phoneNumber === b.phoneNumber && a.id === b.id;

/** Newest activity first, as the server orders them. */
function newer(a: Conversation, b: Conversation): number {
  return (b.lastActivityAt ?? '').localeCompare(a.lastActivityAt ?? '') || b.phoneNumber.localeCompare(a.phoneNumber) || b.id.localeCompare(a.id);
}

export function matches(chat: Conversation, filter: ChatFilter): boolean {
  if (filter.unread && chat.unread === 0) return false;
  if (filter.type && chat.type !== filter.type) return false;
  const q = filter.q.trim().toLowerCase();
  return q === '' || [chat.name, chat.jid, chat.altJid].some((v) => v?.toLowerCase().includes(q));
}

/** Chat lists follow `conversation.updated` (moves, unread, names), `conversation.removed` (merged) and the last message's ticks. */
export function chatListReducer(filter: ChatFilter): Reducer<ChatListView> {
  return (view, event) => {
    if (event.name === 'conversation.updated') {
      const chat = event.conversation;
      const rest = view.chats.filter((c) => !sameChat(c, chat));
      const oldest = rest.at(-1);
      // A chat that now sorts below the loaded pages shows up when the list is paged that far.
      if (!matches(chat, filter) || (view.hasBefore && oldest && newer(chat, oldest) > 0)) return rest.length === view.chats.length ? view : { ...view, chats: rest };
      return { ...view, chats: [...rest, chat].sort(newer) };
    }
    if (event.name === 'conversation.removed') {
      const rest = view.chats.filter((c) => !sameChat(c, { phoneNumber: event.phoneNumber, id: event.chatId }));
      return rest.length === view.chats.length ? view : { ...view, chats: rest };
    }
    if (event.name === 'message.status') {
      const change = event.message;
      if (!view.chats.some((c) => c.lastMessage?.id === change.id)) return view;
      return { ...view, chats: view.chats.map((c) => (c.lastMessage?.id === change.id ? { ...c, lastMessage: { ...c.lastMessage, status: change.status } } : c)) };
    }
    return view;
  };
}

/** One chat's messages as loaded so far, newest first. */
export interface ThreadView {
  readonly chat: Conversation;
  readonly messages: readonly StoredMessage[];
  readonly before: string | null;
  readonly hasBefore: boolean;
  /** Opened around an older message (a search hit): new ones are not on this page. */
  readonly hasAfter: boolean;
  /** The chat was merged into another one (its `@lid` became known). */
  readonly mergedInto?: string | null;
}

const byTime = (a: StoredMessage, b: StoredMessage) => b.timestamp.localeCompare(a.timestamp);

/** Adds or replaces one message; `keep` leaves one already there alone (a send's answer after its live event). */
export function upsert(view: ThreadView, message: StoredMessage, keep = false): ThreadView {
  const at = view.messages.findIndex((m) => m.id === message.id);
  if (at >= 0) return keep ? view : { ...view, messages: view.messages.map((m, i) => (i === at ? message : m)) };
  if (view.hasAfter) return view;
  return { ...view, messages: [message, ...view.messages].sort(byTime) };
}

export const threadReducer: Reducer<ThreadView> = (view, event) => {
  if (event.name === 'message.new' || event.name === 'message.updated') {
    const m = event.message;
    if (m.phoneNumber !== view.chat.phoneNumber || m.chatId !== view.chat.id) return view;
    if (event.name === 'message.updated' && !view.messages.some((x) => x.id === m.id)) return view;
    return upsert(view, m);
  }
  if (event.name === 'message.status') {
    const s = event.message;
    if (!view.messages.some((m) => m.id === s.id)) return view;
    return { ...view, messages: view.messages.map((m) => (m.id === s.id ? { ...m, status: s.status, error: s.error, sentAt: s.sentAt, deliveredAt: s.deliveredAt, readAt: s.readAt, waId: s.waId ?? m.waId } : m)) };
  }
  if (event.name === 'conversation.updated') {
    return sameChat(event.conversation, view.chat) ? { ...view, chat: event.conversation } : view;
  }
  if (event.name === 'conversation.removed' && sameChat({ phoneNumber: event.phoneNumber, id: event.chatId }, view.chat)) {
    return { ...view, mergedInto: event.mergedInto };
  }
  return view;
};
