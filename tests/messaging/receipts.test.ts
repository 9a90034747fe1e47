import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { EventRepository } from '../../src/db/repositories/events.js';
import { TurnWriter } from '../../src/db/turn-writer.js';
import { MessageRepository } from '../../src/db/repositories/messages.js';
import { EventJournal } from '../../src/events/journal.js';
import { fromWebhook } from '../../src/events/normalize.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { TypedEmitter } from '../../src/lib/typed-emitter.js';
import { parseAck, ReceiptTracker, type ReceiptTarget } from '../../src/messaging/receipts.js';
import type { OutboxEvents } from '../../src/messaging/types.js';
import { makeDataRoot, ROOT } from '../helpers/gateway.js';

/**
 * The journal's `message.ack` events moving outbox rows, on a real database and a real journal. The outbox side is
 * its receipt rule over the real repository (the whole outbox, with children, is tested end to end elsewhere).
 */
describe('message receipts', () => {
  let database: DatabaseHandle;
  let repo: MessageRepository;
  let journal: EventJournal;
  const outboxEvents = new TypedEmitter<OutboxEvents>();
  const announced: { id: string; status: string }[] = [];
  let tracker: ReceiptTracker;

  const record = (phoneNumber: string, body: Record<string, unknown>) => journal.record(phoneNumber, null, fromWebhook(body));
  const ack = (phoneNumber: string, ids: unknown, receipt: string, timestamp?: string) =>
    record(phoneNumber, { event: 'message.ack', timestamp, payload: { ids, receipt_type: receipt, chat_id: '5511888888888@s.whatsapp.net' } });
  const status = (id: string) => repo.get(id)?.status;

  beforeAll(() => {
    database = openDatabase(path.join(makeDataRoot(), 'whatsapp.db'), path.join(ROOT, 'drizzle'));
    repo = new MessageRepository(database.db);
    journal = new EventJournal(new EventRepository(database.db), new TurnWriter(database.sqlite, (err) => { throw err; }), systemClock, createLogger('silent'));
    const target: ReceiptTarget = {
      events: outboxEvents.view,
      applyReceipt: (phoneNumber, ids, receipt, when) => {
        const known = new Set<string>();
        const moved = repo.applyReceipt(phoneNumber, ids, receipt, when);
        for (const row of moved) known.add(row.waMessageId ?? '');
        for (const id of repo.knownWaIds(phoneNumber, ids)) known.add(id);
        const announce = () => {
          for (const row of moved) outboxEvents.emit('status', { id: row.id, phoneNumber, status: row.status, waMessageId: row.waMessageId, error: row.error, at: Date.now() });
        };
        return { known, announce };
      },
    };
    tracker = new ReceiptTracker(target, createLogger('silent'));
    journal.addDurableSubscriber(tracker);
    outboxEvents.on('status', (e) => announced.push({ id: e.id, status: e.status }));
    const now = Date.now();
    const row = (id: string, phoneNumber: string, state: 'sent' | 'queued', waMessageId: string | null) =>
      repo.insertOnce({ id, phoneNumber, recipient: '5511888888888@s.whatsapp.net', kind: 'text', payload: { message: id, fingerprint: id }, status: state, waMessageId, createdAt: now, updatedAt: now });
    row('m1', '5511000000001', 'sent', 'WA-1');
    row('m2', '5511000000001', 'sent', 'WA-2');
    row('m3', '5511000000002', 'sent', 'WA-3');
    row('m4', '5511000000001', 'queued', null);
  });
  afterAll(() => {
    tracker.close();
    database.close();
  });

  it('moves sent → delivered → read with the receipt times, and announces each change', () => {
    ack('5511000000001', ['WA-1', 'WA-2'], 'delivered', '2026-08-22T10:00:00Z');
    expect([status('m1'), status('m2')]).toEqual(['delivered', 'delivered']);
    expect(repo.get('m1')?.deliveredAt).toBe(Date.parse('2026-08-22T10:00:00Z'));
    ack('5511000000001', ['WA-1'], 'read', '2026-08-22T10:01:00Z');
    expect(status('m1')).toBe('read');
    expect(repo.get('m1')).toMatchObject({ deliveredAt: Date.parse('2026-08-22T10:00:00Z'), readAt: Date.parse('2026-08-22T10:01:00Z') });
    expect(announced).toEqual([
      { id: 'm1', status: 'delivered' },
      { id: 'm2', status: 'delivered' },
      { id: 'm1', status: 'read' },
    ]);
  });

  it('never moves a status backwards, and a read without a delivered receipt fills both times', () => {
    ack('5511000000001', ['WA-1'], 'delivered', '2026-08-22T10:05:00Z');
    expect(status('m1')).toBe('read');
    expect(repo.get('m1')?.deliveredAt).toBe(Date.parse('2026-08-22T10:00:00Z'));
    ack('5511000000002', ['WA-3'], 'read', '2026-08-22T10:02:00Z');
    expect(repo.get('m3')).toMatchObject({ status: 'read', deliveredAt: Date.parse('2026-08-22T10:02:00Z'), readAt: Date.parse('2026-08-22T10:02:00Z') });
  });

  it('ignores receipts of another number, read-self receipts, other events and malformed bodies', () => {
    ack('5511000000002', ['WA-2'], 'read');
    expect(status('m2')).toBe('delivered');
    ack('5511000000001', ['WA-2'], 'read-self');
    expect(status('m2')).toBe('delivered');
    record('5511000000001', { event: 'message', payload: { ids: ['WA-2'], receipt_type: 'read' } });
    expect(status('m2')).toBe('delivered');
    ack('5511000000001', 'WA-2', 'read');
    ack('5511000000001', [42, null], 'read');
    expect(status('m2')).toBe('delivered');
    expect(status('m4')).toBe('queued');
  });

  it('keeps a receipt that beats its message id, and applies it once the send is recorded', () => {
    const now = Date.now();
    repo.insertOnce({ id: 'm5', phoneNumber: '5511000000001', recipient: '5511888888888@s.whatsapp.net', kind: 'text', payload: { message: 'm5', fingerprint: 'm5' }, status: 'sending', waMessageId: null, createdAt: now, updatedAt: now });
    ack('5511000000001', ['WA-5'], 'delivered', '2026-08-22T10:10:00Z');
    expect(status('m5')).toBe('sending');
    // The outbox learns the id later (a timed-out send, verified) and announces it.
    repo.markSent('m5', 'WA-5', now);
    outboxEvents.emit('status', { id: 'm5', phoneNumber: '5511000000001', status: 'sent', waMessageId: 'WA-5', error: null, at: now });
    expect(repo.get('m5')).toMatchObject({ status: 'delivered', deliveredAt: Date.parse('2026-08-22T10:10:00Z') });
  });

  it('parses the envelope of the binary (docs/binary-contract.md §10)', () => {
    expect(parseAck({ event: 'message.ack', timestamp: '2026-08-22T10:00:00Z', payload: { ids: ['A', 'B'], receipt_type: 'read' } })).toEqual({
      ids: ['A', 'B'],
      receipt: 'read',
      at: Date.parse('2026-08-22T10:00:00Z'),
    });
    expect(parseAck({ payload: { ids: ['A'], receipt_type: 'delivered' } })).toEqual({ ids: ['A'], receipt: 'delivered', at: null });
    expect(parseAck({ payload: null })).toBeNull();
  });
});
