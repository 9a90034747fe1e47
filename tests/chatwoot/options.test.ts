/**
 * A binding's options, each against the fake Chatwoot: agents' names on their replies, the number's own messages
 * as private notes, groups and chosen chats left out, new conversations pending, a resolved conversation reopened
 * (default) or left closed for a new one, and a Chatwoot older than 4.13 whose webhooks are unsigned.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeChatwoot, TOKENS } from '../helpers/fake-chatwoot.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { cwMessageOf, cwMessages, deliver, SEED, sentByChild, startBridge, type Bridge } from './support.js';

const SIGNED = '5511950000601';
const REOPEN = '5511950000602';
const CUSTOMER = '6281500000001';
const PRIVATE_CHAT = '6281500000099';

let b: Bridge;

beforeAll(async () => {
  b = await startBridge();
  for (const phone of [SIGNED, REOPEN]) {
    await registerRunning(b.gw, phone);
    await pair(b.gw, phone);
  }
  expect((await b.gw.request('PUT', `/api/devices/${SIGNED}/chatwoot`, { body: { inboxId: 1, options: { signAgentName: true, ownMessages: 'private_note', ignoreGroups: true, pendingConversations: true } } })).status).toBe(200);
  expect((await b.gw.request('PUT', `/api/devices/${REOPEN}/chatwoot`, { body: { inboxId: 3, options: { reopenConversations: false, ignoreChats: [`${PRIVATE_CHAT}@s.whatsapp.net`] } } })).status).toBe(200);
});
afterAll(async () => {
  await b?.close();
});

const conversation = async (displayId: number) => ((await b.cw.state(1))['conversations'] as { display_id: number; status: string }[]).find((c) => c.display_id === displayId);

describe('options', () => {
  it('signAgentName, ownMessages: private_note, ignoreGroups and pendingConversations', async () => {
    const [first] = await deliver(b.gw, SIGNED, { from: CUSTOMER, body: 'hello' });
    const m = await cwMessageOf(b.cw, first ?? '');
    expect((await conversation(m.conversation_id))?.status).toBe('pending');

    await b.cw.agentMessage(1, m.conversation_id, { content: 'How can I help?', user_id: 2 });
    await waitFor(async () => (await sentByChild(b.gw, SIGNED)).some((s) => s.message === '*Bob Agent*:\nHow can I help?'), { what: 'the signed reply' });

    const [own] = await deliver(b.gw, SIGNED, { is_from_me: true, chat_id: `${CUSTOMER}@s.whatsapp.net`, body: 'typed on the phone' });
    expect(await cwMessageOf(b.cw, own ?? '')).toMatchObject({ message_type: 'outgoing', private: true });

    const [group] = await deliver(b.gw, SIGNED, { chat_id: '120363000000000001@g.us', from: CUSTOMER, body: 'in a group' });
    const [after] = await deliver(b.gw, SIGNED, { from: CUSTOMER, body: 'after the group message' });
    await cwMessageOf(b.cw, after ?? '');
    expect((await cwMessages(b.cw)).some((x) => x.source_id === `wamp:${group}`)).toBe(false);
  });

  it('reopenConversations: false opens a new conversation after the agent resolved the old one', async () => {
    const [first] = await deliver(b.gw, REOPEN, { from: CUSTOMER, body: 'first issue' });
    const old = (await cwMessageOf(b.cw, first ?? '')).conversation_id;
    await b.cw.setStatus(1, old, 'resolved');
    // The bridge learns it from the inbox's conversation_status_changed webhook.
    await waitFor(() => {
      const row = b.gw.gateway.database.sqlite.prepare('SELECT conversation_status FROM chatwoot_contacts WHERE phone_number = ? AND conversation_id = ?').get(REOPEN, old) as { conversation_status: string } | undefined;
      return row?.conversation_status === 'resolved';
    }, { what: 'the resolved status known' });
    const [second] = await deliver(b.gw, REOPEN, { from: CUSTOMER, body: 'a new issue' });
    const fresh = (await cwMessageOf(b.cw, second ?? '')).conversation_id;
    expect(fresh).not.toBe(old);
    expect((await conversation(old))?.status).toBe('resolved');
    expect((await conversation(fresh))?.status).toBe('open');
  });

  it('ignoreChats: the chats listed are not bridged, either way round; the others are', async () => {
    const messageSteps = () => (b.gw.gateway.database.sqlite.prepare("SELECT count(*) AS n FROM chatwoot_jobs WHERE phone_number = ? AND kind = 'message'").get(REOPEN) as { n: number }).n;
    const stepsBefore = messageSteps();
    const [ignored] = await deliver(b.gw, REOPEN, { from: PRIVATE_CHAT, body: 'a chat kept out of Chatwoot' });
    const [mine] = await deliver(b.gw, REOPEN, { is_from_me: true, chat_id: `${PRIVATE_CHAT}@s.whatsapp.net`, body: 'my answer in it' });
    const [after] = await deliver(b.gw, REOPEN, { from: '6281500000003', body: 'another chat, bridged' });
    await cwMessageOf(b.cw, after ?? '');
    const sources = new Set((await cwMessages(b.cw)).map((x) => x.source_id));
    expect({ ignored: sources.has(`wamp:${ignored}`), mine: sources.has(`wamp:${mine}`) }).toEqual({ ignored: false, mine: false });
    // No step was ever queued for them (steps are queued in the store's transaction, before the later message's):
    // one, for the other chat.
    expect(messageSteps()).toBe(stepsBefore + 1);
    const contacts = b.gw.gateway.database.sqlite.prepare('SELECT chat_key FROM chatwoot_contacts WHERE phone_number = ?').all(REOPEN) as { chat_key: string }[];
    expect(contacts.map((c) => c.chat_key)).not.toContain(`${PRIVATE_CHAT}@s.whatsapp.net`);
  });

  it('by default a resolved conversation gets the next message, and Chatwoot reopens it', async () => {
    const [first] = await deliver(b.gw, SIGNED, { from: '6281500000002', body: 'question' });
    const conv = (await cwMessageOf(b.cw, first ?? '')).conversation_id;
    await b.cw.setStatus(1, conv, 'resolved');
    const [again] = await deliver(b.gw, SIGNED, { from: '6281500000002', body: 'one more thing' });
    expect((await cwMessageOf(b.cw, again ?? '')).conversation_id).toBe(conv);
    await waitFor(async () => (await conversation(conv))?.status === 'open', { what: 'reopened by Chatwoot' });
  });
});

describe('a Chatwoot older than 4.13 (unsigned webhooks)', () => {
  it('needs unsignedWebhooks to bind, then works', async () => {
    const old = await startFakeChatwoot({ seed: SEED, version: '4.12.0' });
    try {
      const phone = '5511950000603';
      await registerRunning(b.gw, phone);
      await pair(b.gw, phone);
      const body = { baseUrl: old.apiUrl, apiToken: TOKENS.admin, inboxId: 1 };
      const refused = await b.gw.request<{ error: { fields: { field: string }[] } }>('PUT', `/api/devices/${phone}/chatwoot`, { body });
      expect(refused.status).toBe(400);
      expect(refused.body.error.fields[0]?.field).toBe('webhookSecret');
      const bound = await b.gw.request<{ signedWebhooks: boolean }>('PUT', `/api/devices/${phone}/chatwoot`, { body: { ...body, options: { unsignedWebhooks: true } } });
      expect(bound.status).toBe(200);
      expect(bound.body.signedWebhooks).toBe(false);
      const [first] = await deliver(b.gw, phone, { from: CUSTOMER, body: 'hi old chatwoot' });
      const m = await waitFor(async () => ((await old.messages({ accountId: 1 })) as unknown as { source_id: string; conversation_id: number }[]).find((x) => x.source_id === `wamp:${first}`), { what: 'in the old Chatwoot' });
      await old.agentMessage(1, m.conversation_id, { content: 'answer from 4.12' });
      await waitFor(async () => (await sentByChild(b.gw, phone)).some((s) => s.message === 'answer from 4.12'), { what: 'the unsigned reply sent' });
    } finally {
      await old.stop();
    }
  });
});
