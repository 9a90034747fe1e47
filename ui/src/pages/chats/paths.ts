import type { Conversation } from '../../lib/chat-types';

/**
 * `/chats` is the unified inbox, `/chats/<phone>` one number's chats, `/chats/<phone>/<chat>` a chat open beside
 * the list it was opened from (`?in=all`: the unified inbox) and, from a search hit, centred on `?around=<id>`.
 */
export function chatPath(phone: string, chatId: string, options: { around?: string; all?: boolean } = {}): string {
  const query = new URLSearchParams();
  if (options.all) query.set('in', 'all');
  if (options.around) query.set('around', options.around);
  const rest = query.toString();
  return `/chats/${phone}/${encodeURIComponent(chatId)}${rest ? `?${rest}` : ''}`;
}

/** A chat's name, else the person's number (a group without a subject: its id). */
export function chatTitle(chat: Pick<Conversation, 'name' | 'id' | 'type'>): string {
  if (chat.name) return chat.name;
  const user = chat.id.split('@')[0] ?? chat.id;
  return chat.type === 'direct' && /^\d+$/.test(user) ? `+${user}` : chat.id;
}
