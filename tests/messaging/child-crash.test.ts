import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { makeDataRoot, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { child, failNext, message, registerPaired, send, simSent, waitForStatus } from '../helpers/messaging.js';
import { waitFor } from '../helpers/wait.js';

const DONE = ['sent', 'delivered', 'read'];
const ENV = { QUEUE_INTERVAL: '40', MESSAGE_RETRY_BASE_DELAY: '100', MESSAGE_RETRY_MAX_DELAY: '500' };

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

describe('the child is killed with -9 while messages are queued', () => {
  const PHONE = '5511970000001';

  it('sends all 50 exactly once, in order, after the supervisor restarts it', async () => {
    const gw = await startTestGateway({ env: ENV });
    cleanup.push(() => gw.close());
    await registerPaired(gw, PHONE);
    const texts = Array.from({ length: 50 }, (_, i) => `crash ${i}`);
    const ids: string[] = [];
    for (const text of texts) ids.push((await send(gw, { from: PHONE, to: '5511888882000', message: text })).id);
    await waitFor(async () => (await simSent(gw, PHONE)).length >= 5, { what: 'a few messages sent' });

    // The next send stalls inside the child, so one request is in flight when the process dies: once the child has
    // taken the rule, the one row `sending` (one at a time) is that send.
    await failNext(gw, PHONE, { count: 1, delay_ms: 10_000 });
    await waitFor(async () => (await child(gw, PHONE).request<{ pending: number }>('GET', '/_sim/fail-next')).results?.pending === 0, { what: 'the stalled send inside the child' });
    const stuck = gw.gateway.database.sqlite.prepare("SELECT id FROM messages WHERE status = 'sending'").get() as { id: string };
    const runner = gw.gateway.supervisor.runner(PHONE);
    const pid = runner?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => runner?.state === 'running' && runner.pid !== pid, { what: 'the child restarted' });

    for (const id of ids) await waitForStatus(gw, id, DONE, 30_000);
    const atChild = (await simSent(gw, PHONE)).filter((e) => e.message?.startsWith('crash '));
    expect(atChild.map((e) => e.message)).toEqual(texts);
    // The message in flight at the kill had an unknown outcome: checked against the child, then sent once.
    expect((await message(gw, stuck.id)).attempts).toBeGreaterThanOrEqual(2);
    expect(new Set(atChild.map((e) => e.message_id)).size).toBe(50);
  });
});

describe('a message left in "sending" by a gateway crash is checked against the child before any resend', () => {
  const PHONE = '5511970000002';

  it('keeps one that reached WhatsApp (its id recovered) and sends one that never left, each exactly once', async () => {
    const dataRoot = makeDataRoot();
    const first: TestGateway = await startTestGateway({ dataRoot, env: ENV });
    cleanup.push(() => first.close());
    await registerPaired(first, PHONE);
    const reached = await send(first, { from: PHONE, to: '5511888882001', message: 'reached WhatsApp' });
    const done = await waitForStatus(first, reached.id, DONE);
    await first.close();

    // The two states a crash mid-send leaves: the child sent it but the gateway died before recording the answer,
    // and the gateway died after claiming the row but before the request left.
    const db = new Database(path.join(dataRoot, 'volumes', 'whatsapp.db'));
    const sentAt = Date.parse(String(done['sentAt']));
    db.prepare("UPDATE messages SET status = 'sending', wa_message_id = NULL, sent_at = NULL, delivered_at = NULL, read_at = NULL, updated_at = ? WHERE id = ?").run(sentAt - 50, reached.id);
    const now = Date.now();
    db.prepare(
      "INSERT INTO messages (id, phone_number, recipient, kind, payload, status, attempts, expires_at, created_at, updated_at) VALUES (?, ?, ?, 'text', ?, 'sending', 1, ?, ?, ?)",
    ).run('never-left', PHONE, '5511888882001@s.whatsapp.net', JSON.stringify({ message: 'never left', fingerprint: 'test' }), now + 600_000, now, now);
    db.close();

    const second = await startTestGateway({ dataRoot, env: ENV });
    cleanup.push(() => second.close());
    const recovered = await waitForStatus(second, reached.id, DONE);
    expect(recovered.waMessageId).toBe(done.waMessageId);
    expect(recovered.attempts).toBe(1);
    const resent = await waitForStatus(second, 'never-left', DONE);
    expect(resent.waMessageId).not.toBe(done.waMessageId);
    const atChild = await simSent(second, PHONE);
    expect(atChild.filter((e) => e.message === 'reached WhatsApp')).toHaveLength(1);
    expect(atChild.filter((e) => e.message === 'never left')).toHaveLength(1);
  });
});
