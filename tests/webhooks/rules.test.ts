/** Pure rules of the webhook path: retry timing, event filters, signatures, the outbound envelope. */
import { describe, expect, it } from '@jest/globals';
import { fromSessionChange, fromStateChange, fromWebhook } from '../../src/events/normalize.js';
import type { FeedMessage, RecordedEvent } from '../../src/events/feed-message.js';
import { outboundEnvelope } from '../../src/webhooks/envelope.js';
import { acceptsEvent, parseEventList } from '../../src/webhooks/event-filter.js';
import { decideRetry, type RetryPolicy } from '../../src/webhooks/retry-policy.js';
import { hubSignature, verifyHubSignature } from '../../src/lib/hub-signature.js';

const policy: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 60_000, periodMs: 86_400_000, jitter: 0.2 };

describe('retry policy', () => {
  it('dead-letters once the next attempt would fall after the retry period', () => {
    expect(decideRetry(policy, 1, 10_000, 20_000, 0.5)).toEqual({ action: 'retry', at: 11_000, delayMs: 1000 });
    expect(decideRetry(policy, 4, 10_000, 17_000, 0.5)).toEqual({ action: 'dead' });
  });
});

describe('event filter', () => {
  it('matches names case-insensitively, with prefix wildcards; empty means everything', () => {
    expect(acceptsEvent(null, 'message')).toBe(true);
    expect(acceptsEvent([], 'device.state')).toBe(true);
    expect(acceptsEvent(['Message'], 'message')).toBe(true);
    expect(acceptsEvent(['message'], 'message.ack')).toBe(false);
    expect(acceptsEvent(['message.*'], 'message.ack')).toBe(true);
    expect(acceptsEvent(['device.*'], 'message')).toBe(false);
    expect(acceptsEvent(['*'], 'group.participants')).toBe(true);
    expect(parseEventList(' message, message.ack ,,')).toEqual(['message', 'message.ack']);
    expect(parseEventList('')).toBeNull();
  });
});

describe('signatures', () => {
  const body = Buffer.from('{"event":"message"}');
  it('verifies sha256=<hex> of the exact bytes in constant time', () => {
    const header = hubSignature(body, 'k3y');
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHubSignature(body, header, 'k3y')).toBe(true);
    expect(verifyHubSignature(body, header.toUpperCase().replace('SHA256', 'sha256'), 'k3y')).toBe(true);
    expect(verifyHubSignature(Buffer.from('{"event":"message" }'), header, 'k3y')).toBe(false);
    expect(verifyHubSignature(body, header, 'other')).toBe(false);
    expect(verifyHubSignature(body, undefined, 'k3y')).toBe(false);
    expect(verifyHubSignature(body, 'sha1=abc', 'k3y')).toBe(false);
  });
});

describe('normalised messages and the outbound envelope', () => {
  const record = (draft: ReturnType<typeof fromWebhook>): RecordedEvent => ({
    phoneNumber: '5511999999999',
    port: 8001,
    outbound: draft.outbound,
    derived: [],
    message: { ...draft.body, seq: 7, eventId: 'e-7', phoneNumber: '5511999999999', source: draft.source, event: draft.event, at: '2026-01-01T00:00:00.000Z' } as FeedMessage,
  });

  it('types webhooks: message, ack, and the rest as raw', () => {
    const msg = fromWebhook({ event: 'message', device_id: 'x', payload: { id: 'A', body: 'hi' } });
    expect(msg.body).toMatchObject({ type: 'message', payload: { id: 'A', body: 'hi' } });
    const ack = fromWebhook({ event: 'message.ack', payload: { ids: ['A', 1], receipt_type: 'read' } });
    expect(ack.body).toMatchObject({ type: 'ack', ids: ['A'], receiptType: 'read' });
    const group = fromWebhook({ event: 'group.participants', payload: { chat_id: 'g', type: 'join', jids: [] } });
    expect(group.body).toEqual({ type: 'raw', raw: { event: 'group.participants', payload: { chat_id: 'g', type: 'join', jids: [] } } });
    expect(outboundEnvelope(record(group))).toEqual({
      id: 'e-7',
      type: 'group.participants',
      phoneNumber: '5511999999999',
      seq: 7,
      timestamp: '2026-01-01T00:00:00.000Z',
      payload: { chat_id: 'g', type: 'join', jids: [] },
    });
  });

  it('turns session changes into ready / logged_out, other changes into status', () => {
    expect(fromSessionChange('not_logged_in', 'logged_in', 'j@s.whatsapp.net').body).toEqual({ type: 'ready', jid: 'j@s.whatsapp.net' });
    expect(fromSessionChange('logged_in', 'logged_out', null).body).toEqual({ type: 'logged_out' });
    expect(fromSessionChange('unknown', 'not_logged_in', null).body).toMatchObject({ type: 'status', change: 'session' });
    expect(fromStateChange('starting', 'running', 'health check passed')).toMatchObject({ event: 'device.state', outbound: true, body: { type: 'status', to: 'running' } });
  });
});
