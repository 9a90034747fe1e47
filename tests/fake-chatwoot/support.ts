/** Seeds and small steps shared by the fake-Chatwoot contract tests. */
import type { FakeChatwoot } from '../helpers/fake-chatwoot.js';

export const INBOX_SECRET = 'inbox-1-signing-secret';
export const ACCOUNT_HOOK_SECRET = 'account-hook-secret';
export const A = '/api/v1/accounts/1';

/** The fake's default seed, with inbox 1 (API) pointing at `webhookUrl` and a known signing secret. */
export function seed(webhookUrl = '', extra: { accountWebhookUrl?: string; subscriptions?: string[]; lock?: boolean } = {}): Record<string, unknown> {
  return {
    accounts: [{ id: 1, name: 'Acme Support' }, { id: 2, name: 'Other Company' }],
    users: [
      { id: 1, name: 'Alice Admin', email: 'alice@acme.test', access_token: 'admin-token', accounts: [{ account_id: 1, role: 'administrator' }] },
      { id: 2, name: 'Bob Agent', email: 'bob@acme.test', access_token: 'agent-token', accounts: [{ account_id: 1, role: 'agent' }] },
      { id: 3, name: 'Olga Other', email: 'olga@other.test', access_token: 'other-token', accounts: [{ account_id: 2, role: 'administrator' }] },
      { id: 4, name: 'Nina Nomember', email: 'nina@acme.test', access_token: 'nomember-token', accounts: [{ account_id: 1, role: 'agent' }] },
    ],
    agent_bots: [{ id: 1, name: 'Acme Bot', access_token: 'bot-token', account_id: 1, inbox_ids: [1] }],
    inboxes: [
      { id: 1, account_id: 1, name: 'WhatsApp', channel_type: 'api', webhook_url: webhookUrl, secret: INBOX_SECRET, members: [2], lock_to_single_conversation: extra.lock ?? false },
      { id: 2, account_id: 1, name: 'Website', channel_type: 'web_widget', members: [2] },
      { id: 3, account_id: 2, name: 'Other WhatsApp', channel_type: 'api' },
    ],
    custom_attribute_definitions: [{ account_id: 1, attribute_key: 'wa_jid', attribute_model: 'contact_attribute' }],
    webhooks: extra.accountWebhookUrl
      ? [{ account_id: 1, url: extra.accountWebhookUrl, secret: ACCOUNT_HOOK_SECRET, subscriptions: extra.subscriptions ?? ['message_created', 'contact_created', 'conversation_status_changed'] }]
      : [],
  };
}

let phoneCounter = 0;

/** A contact with a unique phone plus a conversation in inbox 1 (source_id = the chat JID). */
export async function conversationFor(cw: FakeChatwoot, name = 'Ann'): Promise<{ contactId: number; conversationId: number; sourceId: string; phone: string }> {
  const digits = `55119${String(Date.now() % 1_000_000).padStart(6, '0')}${String(++phoneCounter).padStart(2, '0')}`;
  const sourceId = `${digits}@s.whatsapp.net`;
  const contact = await cw.api<{ payload: { contact: { id: number } } }>('POST', `${A}/contacts`, { name, phone_number: `+${digits}` });
  if (contact.status !== 200) throw new Error(`contact: ${contact.status} ${contact.text}`);
  const contactId = contact.json.payload.contact.id;
  const conversation = await cw.api<{ id: number }>('POST', `${A}/conversations`, { inbox_id: 1, contact_id: contactId, source_id: sourceId });
  if (conversation.status !== 200) throw new Error(`conversation: ${conversation.status} ${conversation.text}`);
  return { contactId, conversationId: conversation.json.id, sourceId, phone: `+${digits}` };
}

export async function postMessage(cw: FakeChatwoot, conversationId: number, body: Record<string, unknown>, token = 'admin-token'): Promise<Record<string, unknown>> {
  const res = await cw.api<Record<string, unknown>>('POST', `${A}/conversations/${conversationId}/messages`, body, { token });
  if (res.status !== 200) throw new Error(`message: ${res.status} ${res.text}`);
  return res.json;
}
