import { describe, expect, it } from '@jest/globals';
import { ChildHttpError } from '../../src/gowa/client.js';
import { GatewayError } from '../../src/domain/errors.js';
import { describeFailure } from '../../src/messaging/failure.js';
import { recipientJid } from '../../src/messaging/recipient.js';
import { classifyFailure } from '../../src/messaging/retry-policy.js';

const http = (status: number, code: string) => classifyFailure({ kind: 'http', status, code, message: 'm' }).action;

describe('send outcome rules', () => {
  it('fails permanent errors, pauses on the timelock, waits for the child, retries transient ones, verifies unknown ones', () => {
    expect(http(400, 'INVALID_JID')).toBe('fail');
    expect(http(400, 'VALIDATION_ERROR')).toBe('fail');
    expect(http(413, 'HTTP_413')).toBe('fail');
    expect(http(429, 'WA_REACHOUT_TIMELOCK')).toBe('pause');
    expect(http(401, 'AUTHENTICATION_ERROR')).toBe('wait');
    expect(http(500, 'INVALID_WA_CLI')).toBe('wait');
    expect(http(500, 'SESSION_SAVED_ERROR')).toBe('wait');
    expect(http(500, 'INTERNAL_SERVER_ERROR')).toBe('retry');
    expect(http(503, 'HTTP_503')).toBe('retry');
    expect(http(404, 'DEVICE_NOT_FOUND')).toBe('wait');
    expect(http(400, 'DEVICE_ID_REQUIRED')).toBe('wait');
    expect(http(404, 'HTTP_404')).toBe('retry');
    expect(http(504, 'GATEWAY_TIMEOUT')).toBe('verify');
    expect(http(408, 'CONTEXT_ERROR')).toBe('verify');
    expect(classifyFailure({ kind: 'network', refused: true, message: 'ECONNREFUSED' }).action).toBe('wait');
    expect(classifyFailure({ kind: 'network', refused: false, message: 'timed out' }).action).toBe('verify');
  });

  it('reads GowaClient errors: the child\'s status and code, or how the connection failed', () => {
    expect(describeFailure(new ChildHttpError(429, 'WA_REACHOUT_TIMELOCK', 'x'))).toEqual({ kind: 'http', status: 429, code: 'WA_REACHOUT_TIMELOCK', message: 'x' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const wrapped = new GatewayError('CHILD_UNREACHABLE', 'no answer', undefined, { cause: new TypeError('fetch failed', { cause: refused }) });
    expect(describeFailure(wrapped)).toEqual({ kind: 'network', refused: true, message: 'ECONNREFUSED' });
    const timeout = new GatewayError('CHILD_UNREACHABLE', 'no answer', undefined, { cause: new DOMException('aborted', 'TimeoutError') });
    expect(describeFailure(timeout)).toEqual({ kind: 'network', refused: false, message: 'timed out' });
    const reset = new GatewayError('CHILD_UNREACHABLE', 'no answer', undefined, { cause: new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }) });
    expect(describeFailure(reset)).toMatchObject({ refused: false });
  });

  it('normalises recipients to JIDs', () => {
    expect(recipientJid('5511888888888')).toBe('5511888888888@s.whatsapp.net');
    expect(recipientJid('+5511888888888')).toBe('5511888888888@s.whatsapp.net');
    expect(recipientJid('120363025246125486@g.us')).toBe('120363025246125486@g.us');
    expect(recipientJid('5511888888888@s.whatsapp.net')).toBe('5511888888888@s.whatsapp.net');
    expect(recipientJid('hello')).toBeNull();
    expect(recipientJid('123')).toBeNull();
  });
});
