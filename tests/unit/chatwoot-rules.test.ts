import crypto from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ChatwootError } from '../../src/chatwoot/client/errors.js';
import { looksLikeCommand, parseCommand } from '../../src/chatwoot/commands/parse-command.js';
import { chatKeyOfSource } from '../../src/chatwoot/to-chatwoot/contacts.js';
import { parseReplyKey, replyKey } from '../../src/chatwoot/to-whatsapp/reply-key.js';
import { verifyChatwootSignature } from '../../src/chatwoot/to-whatsapp/signature.js';
import { isPendingId, parseNumberKey, pendingIdFrom, phoneOfLoginJid } from '../../src/domain/number-key.js';
import { SecretBox } from '../../src/lib/secret-box.js';

describe('command messages', () => {
  it.each([
    ['erga 12 1', { kind: 'connect', inboxId: 12, accountId: 1 }],
    ['  ERGA   12   1 ', { kind: 'connect', inboxId: 12, accountId: 1 }],
    ['erga status 7', { kind: 'status', inboxId: 7 }],
    ['erga Restart 7', { kind: 'restart', inboxId: 7 }],
    ['erga disconnect 7', { kind: 'disconnect', inboxId: 7 }],
  ])('%s is a command', (text, command) => {
    expect(parseCommand(text, 'erga')).toEqual({ ok: true, command });
  });

  it.each(['erga', 'erga 12', 'erga 12 1 now', 'erga 0 1', 'erga 12 -1', 'erga status', 'erga reboot 7', 'erga 1234567890 1', 'ergas 12 1'])('%s is not', (text) => {
    expect(parseCommand(text, 'erga').ok).toBe(false);
  });

  it('counts as meant for the bridge only when the first word is the keyword', () => {
    expect(looksLikeCommand('erga 1 2', 'erga')).toBe(true);
    expect(looksLikeCommand('please erga 1 2', 'erga')).toBe(false);
    expect(looksLikeCommand('ergatory', 'erga')).toBe(false);
  });
});

describe('Chatwoot webhook signatures', () => {
  const secret = 'inbox-secret';
  const body = Buffer.from('{"event":"message_created"}');
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);
  const good = `sha256=${crypto.createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex')}`;

  it('accepts HMAC-SHA256 over "<timestamp>.<body>"', () => {
    expect(verifyChatwootSignature(secret, ts, good, body, 300, now)).toEqual({ ok: true });
  });

  it('refuses a body-only HMAC, another secret, a changed body, a missing header and a stale or future timestamp', () => {
    const bodyOnly = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
    expect(verifyChatwootSignature(secret, ts, bodyOnly, body, 300, now).ok).toBe(false);
    expect(verifyChatwootSignature('other', ts, good, body, 300, now).ok).toBe(false);
    expect(verifyChatwootSignature(secret, ts, good, Buffer.from('{"event":"message_updated"}'), 300, now).ok).toBe(false);
    expect(verifyChatwootSignature(secret, undefined, good, body, 300, now).ok).toBe(false);
    expect(verifyChatwootSignature(secret, ts, good, body, 300, now + 301_000).ok).toBe(false);
    expect(verifyChatwootSignature(secret, ts, good, body, 300, now - 301_000).ok).toBe(false);
    expect(verifyChatwootSignature(secret, 'yesterday', good, body, 300, now).ok).toBe(false);
  });
});

describe('stored credentials', () => {
  it('round-trip under the same key, with a fresh nonce each time', () => {
    const box = new SecretBox('a-key-of-at-least-thirty-two-characters');
    const a = box.seal('api-token-123');
    expect(a).not.toContain('api-token-123');
    expect(box.seal('api-token-123')).not.toBe(a);
    expect(box.open(a)).toBe('api-token-123');
  });

  it('name the key they need, and refuse an altered value', () => {
    const sealed = new SecretBox('one-key-of-at-least-thirty-two-chars').seal('token');
    expect(() => new SecretBox('another-key-of-at-least-thirty-two').open(sealed)).toThrow(/another SECRETS_ENCRYPTION_KEY/);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    expect(() => new SecretBox('one-key-of-at-least-thirty-two-chars').open(parts.join('.'))).toThrow(/altered/);
  });
});

describe('keys and ids', () => {
  it('pending ids never look like phones and only take their own form', () => {
    const id = pendingIdFrom(crypto.randomBytes(12));
    expect(isPendingId(id)).toBe(true);
    expect(parseNumberKey(id)).toBe(id);
    expect(parseNumberKey('+5511999999999')).toBe('5511999999999');
    for (const bad of ['pending-', 'pending-ABCDEFGHIJKL', 'pending-abc', '../pending-abcdefghijkl', 'pending-abcdefghijkl/x']) expect(parseNumberKey(bad)).toBeNull();
    expect(phoneOfLoginJid('5511999999999:12@s.whatsapp.net')).toBe('5511999999999');
    expect(phoneOfLoginJid('123@lid')).toBeNull();
  });

  it('reply keys round-trip and nothing else parses as one', () => {
    const key = { accountId: 1, conversationId: 22, messageId: 333, part: 0 };
    expect(parseReplyKey(replyKey(key))).toEqual(key);
    expect(parseReplyKey('chatwoot:1:22:333')).toBeNull();
    expect(parseReplyKey('my-own-key')).toBeNull();
    expect(parseReplyKey(null)).toBeNull();
  });

  it('our contact-inbox source ids name a chat; others do not', () => {
    expect(chatKeyOfSource('wamp:5511999999999@s.whatsapp.net')).toBe('5511999999999@s.whatsapp.net');
    expect(chatKeyOfSource('wamp:120363000@g.us')).toBe('120363000@g.us');
    expect(chatKeyOfSource('3b7c1d2e-uuid')).toBeNull();
    expect(chatKeyOfSource('wamp:../../etc')).toBeNull();
  });
});

describe('what a Chatwoot failure means for the queue', () => {
  it.each([
    [new ChatwootError('network', 'x'), true, true],
    [new ChatwootError('timeout', 'x'), true, true],
    [new ChatwootError('http', 'x', 429), true, true],
    [new ChatwootError('http', 'x', 503), true, true],
    [new ChatwootError('http', 'x', 401, 'Invalid Access Token'), true, true],
    [new ChatwootError('http', 'x', 422, 'Validation failed: Too many messages'), true, false],
    [new ChatwootError('http', 'x', 422, 'Phone number has already been taken'), false, false],
    [new ChatwootError('http', 'x', 404), false, false],
    [new ChatwootError('too-large', 'x'), false, false],
    [new ChatwootError('refused-address', 'x'), false, false],
  ])('%s: retry %s, whole binding %s', (err, retryable, bindingWide) => {
    expect({ retryable: err.retryable, bindingWide: err.bindingWide }).toEqual({ retryable, bindingWide });
  });
});
