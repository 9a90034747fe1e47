/**
 * Command messages through Chatwoot's account webhook (`POST /webhook/comando`, PRODUCT.md): an authorised phone
 * writes `erga <inbox_id> <account_id>` in a Chatwoot conversation → a number whose phone is not known yet is
 * created and bound to that inbox, its QR code posted into the conversation (again as it rotates, at most
 * CHATWOOT_MAX_QR_SEND_ATTEMPTS times) until a phone scans it; then the number is that phone and its messages
 * reach the inbox. Forged, unauthorised and malformed commands run nothing and are audited (the command log and
 * the audit log: the decision, then what the command did); the bridge's own notes never count; a delivery seen
 * before runs nothing again.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows, auditSettled, type AuditRowRaw } from '../helpers/access.js';
import { chatwootSignature, startFakeChatwoot, TOKENS, type FakeChatwoot } from '../helpers/fake-chatwoot.js';
import { startTestGateway, workerPortRange, type TestGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { BRIDGE_ENV, SEED, type CwMessage } from './support.js';

const SECRET = 'command-webhook-secret';
const ADMIN_PHONE = '+5585999999999';
const NEW_PHONE = '5511950000501';
const port = workerPortRange().max;

let cw: FakeChatwoot;
let gw: TestGateway;

beforeAll(async () => {
  cw = await startFakeChatwoot({
    seed: { ...SEED, webhooks: [{ account_id: 1, url: `http://127.0.0.1:${port}/webhook/comando`, subscriptions: ['message_created'], secret: SECRET }] },
  });
  gw = await startTestGateway({
    env: {
      ...BRIDGE_ENV,
      API_PORT: String(port),
      PROCESS_MAX_PORT: String(port - 1),
      CHATWOOT_BASE_URL: cw.apiUrl,
      CHATWOOT_API_ACCESS_TOKEN: TOKENS.admin,
      CHATWOOT_COMMAND_SECRET: SECRET,
      WEBHOOK_AUTHORIZED_PHONE_NUMBERS: `${ADMIN_PHONE}, +5511977770000`,
      CHATWOOT_MAX_QR_SEND_ATTEMPTS: '3',
      SIM_QR_DURATION_SEC: '2',
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await cw?.stop();
});

/** A customer (by phone) writes in inbox 1 through Chatwoot's Public API: an incoming message, as from WhatsApp. */
async function customerWrites(phone: string, content: string): Promise<{ conversationId: number }> {
  const inbox = ((await cw.state(1))['inboxes'] as { id: number; inbox_identifier: string }[]).find((i) => i.id === 1);
  const base = `/public/api/v1/inboxes/${inbox?.inbox_identifier}`;
  const contact = await cw.api<{ source_id: string }>('POST', `${base}/contacts`, { name: `Person ${phone}`, phone_number: phone }, { token: null });
  const conversation = await cw.api<{ id: number }>('POST', `${base}/contacts/${contact.json.source_id}/conversations`, {}, { token: null });
  const sent = await cw.api('POST', `${base}/contacts/${contact.json.source_id}/conversations/${conversation.json.id}/messages`, { content }, { token: null });
  if (sent.status !== 200) throw new Error(`public message: ${sent.status} ${sent.text}`);
  return { conversationId: conversation.json.id };
}

const notesIn = async (conversationId: number) => ((await cw.messages({ accountId: 1, conversationId })) as unknown as CwMessage[]).filter((m) => m.private && m.source_id?.startsWith('wamp:note:'));
const commandRows = () => gw.gateway.database.sqlite.prepare('SELECT verdict, reason, command, sender, inbox_id FROM chatwoot_commands ORDER BY id').all() as { verdict: string; reason: string | null; command: string; sender: string; inbox_id: number | null }[];
/** The audit log's rows of commands: the decision (`chatwoot.command`) and what each did (`chatwoot.command.*`). */
const commandAudit = (): (AuditRowRaw & { actor_name: string | null; p: Record<string, unknown> })[] =>
  auditRows(gw)
    .filter((r) => r.action.startsWith('chatwoot.command'))
    .map((r) => ({ ...(r as AuditRowRaw & { actor_name: string | null }), p: JSON.parse(r.params ?? '{}') as Record<string, unknown> }));
const BRIDGE = { actor_type: 'system', actor_name: 'chatwoot-bridge' };
const pendingNumbers = async () => (await gw.request<{ devices: { phoneNumber: string; pending: boolean }[] }>('GET', '/api/devices')).body.devices.filter((d) => d.pending);

describe('erga <inbox_id> <account_id>', () => {
  let conversationId = 0;
  let pendingId = '';

  it('creates a number for the inbox, binds it and posts its QR code into the conversation, refreshed as it rotates', async () => {
    ({ conversationId } = await customerWrites(ADMIN_PHONE, 'erga 3 1'));
    pendingId = (await waitFor(async () => (await pendingNumbers())[0], { what: 'a pending number' })).phoneNumber;
    const binding = await waitFor(async () => {
      const res = await gw.request<{ inboxId: number; webhookUrl: string }>('GET', `/api/devices/${pendingId}/chatwoot`);
      return res.status === 200 ? res.body : null;
    }, { what: 'the binding' });
    expect(binding.inboxId).toBe(3);
    const inbox = ((await cw.state(1))['inboxes'] as { id: number; webhook_url: string }[]).find((i) => i.id === 3);
    expect(inbox?.webhook_url).toBe(binding.webhookUrl);
    const notes = await waitFor(async () => {
      const found = (await notesIn(conversationId)).filter((n) => n.attachments.length === 1);
      return found.length >= 2 ? found : null;
    }, { what: 'two QR codes posted' });
    expect(notes[0]?.attachments[0]).toMatchObject({ content_type: 'image/png', file_type: 'image' });
    expect(notes[0]?.content).toMatch(/Scan this QR code .* inbox 3 .*Code 1 of at most 3/);
    expect(commandRows()).toEqual([expect.objectContaining({ verdict: 'accepted', reason: null, command: 'erga 3 1', sender: ADMIN_PHONE, inbox_id: 3 })]);
    // Audited as the gateway's own act on Chatwoot's word: the decision, then what it did and to which number.
    const audited = await waitFor(() => (commandAudit().length >= 2 ? commandAudit() : null), { what: 'the command audited' });
    expect(audited.map((r) => [r.action, r.result, r.phone_number])).toEqual([
      ['chatwoot.command', 'ok', null],
      ['chatwoot.command.connect', 'ok', pendingId],
    ]);
    expect(audited[0]).toMatchObject({ ...BRIDGE, p: { command: 'erga 3 1', sender: ADMIN_PHONE, accountId: 1, inboxId: 3, conversationId } });
    expect(audited[1]).toMatchObject({ ...BRIDGE, target_type: 'number', target_id: pendingId, p: { sender: ADMIN_PHONE, inboxId: 3, outcome: 'created and bound to inbox 3' } });
  });

  it('says which phone connected when one scans it; the number is that phone, bound to the inbox', async () => {
    const client = gw.gateway.supervisor.runner(pendingId)?.client;
    await client?.request('GET', '/app/login');
    await client?.request('POST', '/_sim/pair', { body: { jid: NEW_PHONE } });
    await waitFor(async () => (await notesIn(conversationId)).some((n) => n.content === `✅ WhatsApp +${NEW_PHONE} is connected to inbox 3.`), { what: 'the connected note' });
    const binding = await gw.request<{ inboxId: number; phoneNumber: string }>('GET', `/api/devices/${NEW_PHONE}/chatwoot`);
    expect(binding.body).toMatchObject({ phoneNumber: NEW_PHONE, inboxId: 3 });
    // Its WhatsApp messages now reach inbox 3.
    // The child reconnects its saved session by itself after the rename's restart.
    await waitFor(async () => (await gw.gateway.supervisor.runner(NEW_PHONE)?.client?.appStatus())?.is_logged_in, { what: 'logged in again under its phone' });
    await gw.gateway.supervisor.runner(NEW_PHONE)?.client?.request('POST', '/_sim/incoming', { body: { from: '6281400000001', body: 'first message to the new number' } });
    const arrived = await waitFor(async () => ((await cw.messages({ accountId: 1 })) as unknown as CwMessage[]).find((m) => m.content === 'first message to the new number'), { what: 'the message in Chatwoot' });
    expect((arrived as unknown as { inbox_id: number }).inbox_id).toBe(3);
  });

  it('stops after CHATWOOT_MAX_QR_SEND_ATTEMPTS codes nobody scanned', async () => {
    const { conversationId: other } = await customerWrites('+5511977770000', 'erga 4 1');
    await waitFor(async () => (await notesIn(other)).some((n) => n.content?.startsWith('⌛')), { what: 'the give-up note', timeoutMs: 20_000 });
    expect((await notesIn(other)).filter((n) => n.attachments.length === 1)).toHaveLength(3);
  });

  it('answers erga status <inbox_id> with the number’s state', async () => {
    const { conversationId: asked } = await customerWrites(ADMIN_PHONE, 'erga status 3');
    const note = await waitFor(async () => (await notesIn(asked)).find((n) => n.content?.startsWith('ℹ️')), { what: 'the status note' });
    expect(note.content).toContain(`WhatsApp +${NEW_PHONE}`);
    expect(note.content).toContain('logged_in');
  });

  it('restarts the bound number (erga restart), then logs it out (erga disconnect), each audited on that number', async () => {
    const pid = gw.gateway.supervisor.runner(NEW_PHONE)?.pid;
    const { conversationId: asked } = await customerWrites(ADMIN_PHONE, 'erga restart 3');
    await waitFor(async () => (await notesIn(asked)).some((n) => n.content?.startsWith('🔄')), { what: 'the restart note' });
    expect(gw.gateway.supervisor.runner(NEW_PHONE)?.pid).not.toBe(pid);
    await waitFor(async () => (await gw.gateway.supervisor.runner(NEW_PHONE)?.client?.appStatus())?.is_logged_in, { what: 'logged in again after the restart' });
    const { conversationId: told } = await customerWrites(ADMIN_PHONE, 'erga disconnect 3');
    await waitFor(async () => (await notesIn(told)).some((n) => n.content?.startsWith('🔌')), { what: 'the disconnect note' });
    expect(gw.gateway.supervisor.runner(NEW_PHONE)?.session).toBe('logged_out');
    const outcomes = commandAudit().filter((r) => r.action === 'chatwoot.command.restart' || r.action === 'chatwoot.command.disconnect');
    expect(outcomes.map((r) => [r.action, r.result, r.phone_number, r.p['outcome']])).toEqual([
      ['chatwoot.command.restart', 'ok', NEW_PHONE, 'restarted'],
      ['chatwoot.command.disconnect', 'ok', NEW_PHONE, 'logged out'],
    ]);
  });
});

describe('commands that must not run', () => {
  const devices = async () => (await gw.request<{ devices: unknown[] }>('GET', '/api/devices')).body.devices.length;

  it('a forged command (no, or a wrong, signature) is refused with 401 and audited', async () => {
    const before = await devices();
    const raw = JSON.stringify({ event: 'message_created', message_type: 'incoming', content: 'erga 4 1', sender: { phone_number: ADMIN_PHONE }, account: { id: 1 }, conversation: { id: 1 } });
    const unsigned = await fetch(`${gw.url}/webhook/comando`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    const ts = String(Math.floor(Date.now() / 1000));
    const wrong = await fetch(`${gw.url}/webhook/comando`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-chatwoot-timestamp': ts, 'x-chatwoot-signature': chatwootSignature('guessed', ts, Buffer.from(raw)) } });
    expect(wrong.status).toBe(401);
    const refused = commandRows().filter((r) => r.verdict === 'refused' && /forged or unsigned/.test(r.reason ?? ''));
    expect(refused).toHaveLength(2);
    // In the audit log by the audit trail: refused, nobody known as the actor, the reason kept.
    await auditSettled(gw);
    const denied = commandAudit().filter((r) => r.result === 'denied' && r.http_status === 401);
    expect(denied.map((r) => [r.action, r.actor_type, r.p['reason']])).toEqual([
      ['chatwoot.command', 'anonymous', expect.stringMatching(/^forged or unsigned: /)],
      ['chatwoot.command', 'anonymous', expect.stringMatching(/^forged or unsigned: /)],
    ]);
    expect(await devices()).toBe(before);
  });

  it('an unauthorised sender, a malformed command and an account mismatch are refused and audited; nothing is created', async () => {
    const before = await devices();
    const rowsBefore = commandRows().length;
    await customerWrites('+5511000000000', 'erga 4 1');
    await customerWrites(ADMIN_PHONE, 'erga 4');
    await customerWrites(ADMIN_PHONE, 'erga 4 2');
    await customerWrites(ADMIN_PHONE, 'please erga 4 1 now');
    const rows = await waitFor(() => {
      const fresh = commandRows().slice(rowsBefore);
      return fresh.length === 3 ? fresh : null;
    }, { what: 'three refusals audited' });
    expect(rows.map((r) => [r.verdict, r.command])).toEqual([
      ['refused', 'erga 4 1'],
      ['refused', 'erga 4'],
      ['refused', 'erga 4 2'],
    ]);
    expect(rows[0]?.reason).toMatch(/not in WEBHOOK_AUTHORIZED_PHONE_NUMBERS/);
    expect(rows[1]?.reason).toMatch(/not a command/);
    expect(rows[2]?.reason).toMatch(/names account 2 but came from account 1/);
    const denied = commandAudit().filter((r) => r.result === 'denied' && r.http_status === null);
    expect(denied.slice(-3).map((r) => [r.actor_name, r.p['command'], r.p['sender'], r.p['reason']])).toEqual(rows.map((r) => ['chatwoot-bridge', r.command, r.sender, r.reason]));
    expect(await devices()).toBe(before);
  });

  it('the bridge’s own notes and a delivery seen before run nothing', async () => {
    const before = await devices();
    const rowsBefore = commandRows().length;
    await cw.agentMessage(1, 1, { content: 'erga 4 1', private: true, source_id: 'wamp:note:test' });
    const delivery = (await cw.deliveries({ event: 'message_created' })).find((d) => String(d['url']).endsWith('/webhook/comando') && String(d['body']).includes('"erga 3 1"'));
    const again = await fetch(String(delivery?.['url']), { method: 'POST', body: String(delivery?.['body']), headers: { ...(delivery?.['headers'] as Record<string, string>) } });
    expect(await again.json()).toMatchObject({ ok: true, duplicate: true });
    // Proof the endpoint was listening: one more real command is audited.
    await customerWrites('+5511000000001', 'erga 4 1');
    await waitFor(() => commandRows().length === rowsBefore + 1, { what: 'the marker command audited' });
    expect(await devices()).toBe(before);
  });
});
