/** Reading the conversation store through the API, and playing WhatsApp through the stand-in behind a number. */
import type { ConversationView, MessageView } from '../../src/conversations/views.js';
import type { TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { childClient } from '../realtime/sim.js';

export interface MessagesPage {
  readonly data: MessageView[];
  readonly chat: ConversationView;
  readonly page: { before: string | null; after: string | null; hasBefore: boolean; hasAfter: boolean };
  readonly asOf: Record<string, number>;
}

export interface ChatsPage {
  readonly data: ConversationView[];
  readonly page: { before: string | null; after: string | null; hasBefore: boolean };
  readonly asOf: Record<string, number>;
}

/** `/_sim/incoming`: WhatsApp (or the number's own phone) delivers messages; returns their WhatsApp ids. */
export async function deliver(gw: TestGateway, phone: string, body: Record<string, unknown>): Promise<string[]> {
  const res = await childClient(gw, phone).request<{ ids: string[] }>('POST', '/_sim/incoming', { body });
  return res.results?.ids ?? [];
}

export async function messagesOf(gw: TestGateway, phone: string, chatId: string, query = '', token?: string): Promise<MessagesPage> {
  const res = await gw.request<MessagesPage>('GET', `/api/devices/${phone}/chats/${encodeURIComponent(chatId)}/messages${query ? `?${query}` : ''}`, token ? { token } : {});
  if (res.status !== 200) throw new Error(`messages of ${chatId}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function chatsOf(gw: TestGateway, phone: string, query = '', token?: string): Promise<ChatsPage> {
  const res = await gw.request<ChatsPage>('GET', `/api/devices/${phone}/chats${query ? `?${query}` : ''}`, token ? { token } : {});
  if (res.status !== 200) throw new Error(`chats of ${phone}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The stored message with this WhatsApp id, once it is there. */
export async function storedByWaId(gw: TestGateway, phone: string, chatId: string, waId: string): Promise<MessageView> {
  return waitFor(async () => (await messagesOf(gw, phone, chatId, 'limit=200')).data.find((m) => m.waId === waId), { what: `message ${waId} stored` });
}

/** Every row of the store for a number (straight from SQLite: what "one row per message" is checked against). */
export function storedRows(gw: TestGateway, phone: string): { wa_id: string | null; chat_key: string; type: string; text: string | null }[] {
  return gw.gateway.database.sqlite
    .prepare('SELECT wa_id, chat_key, type, text FROM conversation_messages WHERE phone_number = ? ORDER BY key')
    .all(phone) as { wa_id: string | null; chat_key: string; type: string; text: string | null }[];
}
