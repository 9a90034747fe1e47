/**
 * What the store forgets: messages older than MESSAGE_RETENTION_DAYS (and chats left with nothing), and
 * everything of a number that is unregistered, so whoever registers it next inherits nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { pair, registerRunning } from '../realtime/sim.js';
import { chatsOf, deliver, messagesOf, storedRows } from './store-helpers.js';

const PHONE = '5511949000001';
const DAY = 86_400_000;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ env: { HISTORY_SYNC_DAYS: '0', MESSAGE_RETENTION_DAYS: '2' } });
  await registerRunning(gw, PHONE);
  await pair(gw, PHONE);
});
afterAll(async () => {
  await gw.close();
});

describe('MESSAGE_RETENTION_DAYS', () => {
  it('forgets older messages, and chats with nothing newer', async () => {
    const old = new Date(Date.now() - 5 * DAY).toISOString();
    await deliver(gw, PHONE, { from: '5511970000001', body: 'old only', timestamp: old });
    await deliver(gw, PHONE, { from: '5511970000002', body: 'old one', timestamp: old });
    await deliver(gw, PHONE, { from: '5511970000002', body: 'recent one' });
    await waitFor(() => storedRows(gw, PHONE).length === 3, { what: 'three stored' });
    expect(gw.gateway.conversations.prune()).toBeGreaterThanOrEqual(3);
    expect(storedRows(gw, PHONE).map((r) => r.text)).toEqual(['recent one']);
    expect((await chatsOf(gw, PHONE)).data.map((c) => c.id)).toEqual(['5511970000002@s.whatsapp.net']);
    const search = await gw.request<{ data: unknown[] }>('GET', '/api/search/messages?q=old');
    expect(search.body.data).toEqual([]);
  });
});

describe('unregistering a number', () => {
  it('forgets its chats, messages, history sync and cached media', async () => {
    const [image] = await deliver(gw, PHONE, { type: 'image', caption: 'cached picture' });
    const stored = await waitFor(async () => (await messagesOf(gw, PHONE, '6289876543210@s.whatsapp.net')).data.find((m) => m.waId === image), { what: 'the image stored' });
    expect((await fetch(`${gw.url}/api/messages/${stored.id}/media`, { headers: { authorization: `Bearer ${await gw.token()}` } })).status).toBe(200);
    const cacheDir = path.join(gw.config.paths.data, 'media-cache', PHONE);
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
    expect((await gw.request('POST', `/api/devices/${PHONE}/chats/sync`, { body: {} })).status).toBe(202);

    expect((await gw.request('DELETE', `/api/devices/${PHONE}`)).status).toBe(200);
    const count = (table: string) => gw.gateway.database.sqlite.prepare(`SELECT count(*) FROM ${table} WHERE phone_number = ?`).pluck().get(PHONE);
    for (const table of ['conversation_messages', 'conversations', 'conversation_aliases', 'conversation_annotations', 'conversation_syncs']) expect([table, count(table)]).toEqual([table, 0]);
    expect(fs.existsSync(cacheDir)).toBe(false);

    await registerRunning(gw, PHONE);
    expect((await chatsOf(gw, PHONE)).data).toEqual([]);
    expect((await gw.request<{ state: string }>('GET', `/api/devices/${PHONE}/chats/sync`)).body.state).toBe('none');
    expect((await gw.request('GET', `/api/messages/${stored.id}/media`)).status).toBe(404);
  });
});
