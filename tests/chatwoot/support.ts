/**
 * The Chatwoot bridge under test: the fake Chatwoot as its own process, the gateway with stand-in children, a
 * number registered, paired and bound to an API inbox. Helpers read the fake's state (what Chatwoot holds) and
 * play the agent through the fake's control API, which fires the signed webhooks the gateway receives.
 */
import { startFakeChatwoot, TOKENS, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { childClient, pair, registerRunning } from '../realtime/sim.js';

export interface CwMessage {
  id: number;
  content: string | null;
  message_type: string;
  private: boolean;
  source_id: string | null;
  status: string;
  conversation_id: number;
  content_attributes: Record<string, unknown>;
  attachments: { filename: string; content_type: string; file_size: number; sha256: string; file_type?: string }[];
}

/** Fast retries (the "10 minutes down" of the issue is the same walk through the backoff, compressed). */
export const BRIDGE_ENV = {
  HISTORY_SYNC_DAYS: '0',
  CHATWOOT_RETRY_BASE_DELAY: '50',
  CHATWOOT_RETRY_MAX_DELAY: '400',
  CHATWOOT_API_TIMEOUT: '3000',
  SIM_ACK_DELAY_MS: '100',
  MESSAGE_VERIFY_DELAY: '500',
  QUEUE_INTERVAL: '0',
};

/** A seed with a second API inbox and a phone-less agent, besides the fake's defaults. */
export const SEED = {
  accounts: [
    { id: 1, name: 'Acme Support' },
    { id: 2, name: 'Other Company' },
  ],
  users: [
    { id: 1, name: 'Alice Admin', email: 'alice@acme.test', access_token: TOKENS.admin, accounts: [{ account_id: 1, role: 'administrator' }] },
    { id: 2, name: 'Bob Agent', email: 'bob@acme.test', access_token: TOKENS.agent, accounts: [{ account_id: 1, role: 'agent' }] },
    { id: 3, name: 'Olga Other', email: 'olga@other.test', access_token: TOKENS.other, accounts: [{ account_id: 2, role: 'administrator' }] },
  ],
  agent_bots: [],
  inboxes: [
    { id: 1, account_id: 1, name: 'WhatsApp', channel_type: 'api', members: [2] },
    { id: 2, account_id: 1, name: 'Website', channel_type: 'web_widget', members: [2] },
    { id: 3, account_id: 1, name: 'WhatsApp 2', channel_type: 'api', members: [2] },
    { id: 4, account_id: 1, name: 'WhatsApp 3', channel_type: 'api', members: [2] },
  ],
  custom_attribute_definitions: [],
  webhooks: [],
};

export interface Bridge {
  readonly gw: TestGateway;
  readonly cw: FakeChatwoot;
  close(): Promise<void>;
}

export async function startBridge(options: { env?: Record<string, string>; seed?: unknown; cwEnv?: Record<string, string> } = {}): Promise<Bridge> {
  const cw = await startFakeChatwoot({ seed: options.seed ?? SEED, ...(options.cwEnv ? { env: options.cwEnv } : {}) });
  const gw = await startTestGateway({ env: { ...BRIDGE_ENV, CHATWOOT_BASE_URL: cw.apiUrl, CHATWOOT_API_ACCESS_TOKEN: TOKENS.admin, ...options.env } });
  return {
    gw,
    cw,
    close: async () => {
      await gw.close();
      await cw.stop();
    },
  };
}

/** Register, pair and bind a number to an inbox; returns the binding's answer. */
export async function boundNumber(b: Bridge, phone: string, inboxId: number, options: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  await registerRunning(b.gw, phone);
  await pair(b.gw, phone);
  const res = await b.gw.request('PUT', `/api/devices/${phone}/chatwoot`, { body: { inboxId, ...(Object.keys(options).length > 0 ? { options } : {}) } });
  if (res.status !== 200) throw new Error(`bind ${phone}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** `/_sim/incoming`: WhatsApp delivers to the number; returns the WhatsApp ids. */
export async function deliver(gw: TestGateway, phone: string, body: Record<string, unknown>): Promise<string[]> {
  const res = await childClient(gw, phone).request<{ ids: string[] }>('POST', '/_sim/incoming', { body });
  return res.results?.ids ?? [];
}

/**
 * `deliver`, then wait until the gateway has stored the message in its chat: the child posts each webhook on its
 * own (contract: order not guaranteed), so only messages delivered this way have one order to judge.
 */
export async function deliverInOrder(gw: TestGateway, phone: string, body: { from: string } & Record<string, unknown>): Promise<string[]> {
  const ids = await deliver(gw, phone, body);
  const chat = encodeURIComponent(`${body.from}@s.whatsapp.net`);
  await waitFor(
    async () => {
      const res = await gw.request<{ data?: { waId: string | null }[] }>('GET', `/api/devices/${phone}/chats/${chat}/messages?limit=20`);
      const stored = new Set((res.body.data ?? []).map((m) => m.waId));
      return ids.every((id) => stored.has(id));
    },
    { what: `${ids.join(', ')} stored in the chat` },
  );
  return ids;
}

export async function cwMessages(cw: FakeChatwoot, conversationId?: number): Promise<CwMessage[]> {
  return (await cw.messages({ accountId: 1, ...(conversationId === undefined ? {} : { conversationId }) })) as unknown as CwMessage[];
}

/** The Chatwoot message our bridge posted for a WhatsApp id (source id `wamp:<id>`), once it is there. */
export async function cwMessageOf(cw: FakeChatwoot, waId: string, timeoutMs = 15_000): Promise<CwMessage> {
  return waitFor(async () => (await cwMessages(cw)).find((m) => m.source_id === `wamp:${waId}`), { timeoutMs, what: `Chatwoot message for ${waId}` });
}

/** What the number's child sent to WhatsApp (the stand-in's record). */
export async function sentByChild(gw: TestGateway, phone: string): Promise<{ message_id: string; route: string; phone: string; message?: string; caption?: string; filename?: string; size?: number }[]> {
  const res = await childClient(gw, phone).request<{ sent: { message_id: string; route: string; phone: string; message?: string; caption?: string; filename?: string; size?: number }[] }>('GET', '/_sim/sent');
  return res.results?.sent ?? [];
}

export function countBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** The conversation (display id) a chat's first message went to. */
export async function conversationOf(cw: FakeChatwoot, waId: string): Promise<number> {
  return (await cwMessageOf(cw, waId)).conversation_id;
}
