/**
 * The gateway killed (SIGKILL) in the middle of both directions: an agent's reply whose send to the child was
 * under way, and WhatsApp messages queued for a Chatwoot that is down. After the restart each reply reaches the
 * child once, each message reaches Chatwoot once, and a Chatwoot webhook delivered again after the restart sends
 * nothing again.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupFakeChatwoots, startFakeChatwoot, TOKENS } from '../helpers/fake-chatwoot.js';
import { makeDataRoot, workerPortRange } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { isAlive, waitFor, waitForExit } from '../helpers/wait.js';
import { BRIDGE_ENV, SEED, type CwMessage } from './support.js';

const PHONE = '5511950000301';
const CUSTOMER = '6281200000001';
const ports = workerPortRange();
const dataRoot = makeDataRoot();
const gateways: GatewayProcess[] = [];

afterAll(async () => {
  for (const gw of gateways) if (gw.child.exitCode === null && gw.child.signalCode === null) gw.child.kill('SIGKILL');
  await cleanupFakeChatwoots();
});

async function sim<T>(gw: GatewayProcess, method: string, path: string, body?: unknown): Promise<T> {
  const res = await gw.request<{ results?: T }>(method, `/proxy/whatsapp/${PHONE}${path}`, body);
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status}`);
  return res.body.results as T;
}

describe('a gateway killed mid-way', () => {
  it('resumes both directions: each reply sent once, each message posted once', async () => {
    const cw = await startFakeChatwoot({ seed: SEED });
    // A fixed API port, so the webhook URL the inbox was given still points at the gateway after the restart.
    const env = { ...BRIDGE_ENV, API_PORT: String(ports.max), PROCESS_MAX_PORT: String(ports.max - 1), CHATWOOT_BASE_URL: cw.apiUrl, CHATWOOT_API_ACCESS_TOKEN: TOKENS.admin };
    const first = await spawnGateway(dataRoot, env);
    gateways.push(first);
    expect((await first.request('POST', '/api/devices', { phoneNumber: PHONE })).status).toBe(201);
    await waitFor(async () => (await first.request<{ state: string }>('GET', `/api/devices/${PHONE}`)).body.state === 'running', { what: 'running' });
    await sim(first, 'GET', '/app/login');
    await sim(first, 'POST', '/_sim/pair', {});
    await waitFor(async () => (await first.request<{ loggedIn: boolean }>('GET', `/api/devices/${PHONE}`)).body.loggedIn, { what: 'logged in' });
    expect((await first.request('PUT', `/api/devices/${PHONE}/chatwoot`, { inboxId: 1 })).status).toBe(200);
    const [hello] = await sim<{ ids: string[] }>(first, 'POST', '/_sim/incoming', { from: CUSTOMER, body: 'hello' }).then((r) => r.ids);
    const messages = async () => (await cw.messages({ accountId: 1 })) as unknown as CwMessage[];
    const conversation = (await waitFor(async () => (await messages()).find((m) => m.source_id === `wamp:${hello}`), { what: 'hello in Chatwoot' })).conversation_id;

    // To WhatsApp: the child takes 4 s over the next send; the gateway dies meanwhile.
    await sim(first, 'POST', '/_sim/fail-next', { count: 1, delay_ms: 4000 });
    await cw.agentMessage(1, conversation, { content: 'reply across a restart' });
    await waitFor(async () => (await first.request<{ messages: { status: string }[] }>('GET', `/api/messages?from=${PHONE}&status=sending`)).body.messages.length === 1, { what: 'the reply being sent' });
    // To Chatwoot: it is down, messages wait in the queue.
    await cw.down({ mode: 'refuse' });
    for (let i = 1; i <= 5; i++) await sim(first, 'POST', '/_sim/incoming', { from: CUSTOMER, body: `queued-${i}` });
    await waitFor(async () => (await first.request<{ total: number }>('GET', `/api/chatwoot/deliveries?phoneNumber=${PHONE}&status=pending&direction=to_chatwoot`)).body.total >= 5, { what: 'five queued' });
    const childPid = (await first.request<{ pid: number }>('GET', `/api/devices/${PHONE}`)).body.pid;
    first.child.kill('SIGKILL');
    await first.exited;
    await waitForExit(childPid);
    expect(isAlive(childPid)).toBe(false);

    const second = await spawnGateway(dataRoot, env);
    gateways.push(second);
    await waitFor(async () => (await second.request<{ loggedIn: boolean }>('GET', `/api/devices/${PHONE}`)).body.loggedIn, { what: 'logged in again', timeoutMs: 20_000 });
    await cw.up();
    const sent = async () => (await sim<{ sent: { message?: string }[] }>(second, 'GET', '/_sim/sent')).sent.map((s) => s.message);
    await waitFor(async () => (await sent()).includes('reply across a restart'), { what: 'the reply sent after the restart', timeoutMs: 20_000 });
    await waitFor(async () => (await messages()).filter((m) => m.content?.startsWith('queued-')).length === 5, { what: 'the queued messages in Chatwoot', timeoutMs: 20_000 });

    // Chatwoot delivers the reply's webhook again (as it may): nothing is sent again.
    const delivery = (await cw.deliveries({ event: 'message_created' })).filter((d) => String(d['body']).includes('reply across a restart')).pop();
    expect(delivery).toBeTruthy();
    const headers = delivery?.['headers'] as Record<string, string> | undefined;
    const again = await fetch(String(delivery?.['url']), { method: 'POST', body: String(delivery?.['body']), headers: { ...headers } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, taken: expect.stringMatching(/duplicate/) });
    await second.request('POST', '/api/messages/send', { from: PHONE, to: CUSTOMER, message: 'marker' });
    await waitFor(async () => (await sent()).includes('marker'), { what: 'the marker sent' });
    expect((await sent()).filter((m) => m === 'reply across a restart')).toHaveLength(1);
    const posted = (await messages()).filter((m) => m.content?.startsWith('queued-')).map((m) => m.content);
    expect(posted.sort()).toEqual(['queued-1', 'queued-2', 'queued-3', 'queued-4', 'queued-5']);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 120_000);
});
