/** Pure rules of the conversation store: search syntax, cursors, JIDs, status order, byte ranges, snippets. */
import { describe, expect, it } from '@jest/globals';
import { chatCursor, keyCursor, parseChatCursor, parseKeyCursor } from '../../src/conversations/cursor.js';
import { searchSnippet } from '../../src/conversations/snippet.js';
import { advanceStatus } from '../../src/conversations/status-rules.js';
import { parseFtsQuery } from '../../src/domain/fts-query.js';
import { normalizeJid } from '../../src/domain/jid.js';
import { parseRange } from '../../src/http/routes/message-media.js';

describe('search syntax → FTS5 query', () => {
  const ok: [string, string][] = [
    ['refund', '"refund"'],
    ['refund invoice', '"refund" AND "invoice"'],
    ['refun*', '"refun"*'],
    ['"refund please"', '"refund please"'],
    ['"refund please"*', '"refund please"*'],
    ['refund OR invoice', '"refund" OR "invoice"'],
    ['refund NOT bob', '"refund" NOT "bob"'],
    ['(refund OR invoice) order', '("refund" OR "invoice") AND "order"'],
    ['NEAR(refund order, 3)', 'NEAR("refund" "order", 3)'],
    ['NEAR(refund order)', 'NEAR("refund" "order")'],
    ['and or not', '"and" AND "or" AND "not"'],
    ['e-mail col:umn ^start', '"e-mail" AND "col:umn" AND "^start"'],
    ['!!! refund', '"refund"'],
    ['ação', '"ação"'],
  ];
  for (const [input, query] of ok) {
    it(`reads ${JSON.stringify(input)}`, () => expect(parseFtsQuery(input)).toMatchObject({ ok: true, query }));
  }

  const bad: [string, RegExp][] = [
    ['"refund please', /unbalanced quote/],
    ['NEAR(refund', /NEAR\( without its \)/],
    ['NEAR(refund)', /fewer than two words/],
    ['NEAR(a b, x)', /whole number/],
    ['NEAR(a b, 1000)', /whole number/],
    ['*', /\* on its own/],
    ['refund *', /\* on its own/],
    ['refund AND', /AND without a word after it/],
    ['OR refund', /OR without a word before it/],
    ['NOT refund', /NOT without a word before it/],
    ['(refund', /\( without its \)/],
    ['refund)', /\) without its \(/],
    ['!!! ???', /at least one word/],
    ['', /at least one word/],
    ['a '.repeat(17).trim(), /more than 16 words/],
    ['x'.repeat(201), /longer than 200/],
  ];
  for (const [input, message] of bad) {
    it(`refuses ${JSON.stringify(input.slice(0, 40))}`, () => {
      const result = parseFtsQuery(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(message);
    });
  }
});

describe('cursors', () => {
  it('round-trip and belong to their list', () => {
    expect(parseKeyCursor('messages', keyCursor('messages', 3_600_000_000_000_000))).toBe(3_600_000_000_000_000);
    expect(parseKeyCursor('search', keyCursor('messages', 5))).toBeNull();
    const position = { lastKey: 42, phoneNumber: '5511999999999', chatKey: '5511888888888@s.whatsapp.net' };
    expect(parseChatCursor(chatCursor(position))).toEqual(position);
    expect(parseChatCursor(keyCursor('messages', 42))).toBeNull();
  });

  it('refuse anything else', () => {
    for (const junk of ['', '%%%', 'abc', 'bQFh'.repeat(200), Buffer.from('m\u0001-1').toString('base64url'), Buffer.from('m\u0001zzzzzzzzzzzzz').toString('base64url')]) {
      expect(parseKeyCursor('messages', junk)).toBeNull();
    }
    expect(parseChatCursor(Buffer.from('c\u00011\u0001not-a-phone\u0001x').toString('base64url'))).toBeNull();
  });
});

describe('JIDs', () => {
  it('normalise to the form chats are keyed by', () => {
    expect(normalizeJid('5511988887777')).toBe('5511988887777@s.whatsapp.net');
    expect(normalizeJid('+5511988887777')).toBe('5511988887777@s.whatsapp.net');
    expect(normalizeJid('5511988887777:12@s.whatsapp.net')).toBe('5511988887777@s.whatsapp.net');
    expect(normalizeJid('5511988887777@c.us')).toBe('5511988887777@s.whatsapp.net');
    expect(normalizeJid('120363021234567890@G.US')).toBe('120363021234567890@g.us');
    expect(normalizeJid('123456789@lid')).toBe('123456789@lid');
    for (const bad of ['', 'x', '@s.whatsapp.net', 'a b@lid', '../etc@lid', 'x@example.com', 42]) expect(normalizeJid(bad)).toBeNull();
  });
});

describe('outgoing status order', () => {
  const row = { status: 'sent' as const, sentAt: 1, deliveredAt: null, readAt: null };
  it('moves forward only, filling the receipt times', () => {
    expect(advanceStatus(row, 'delivered', 5)).toEqual({ status: 'delivered', deliveredAt: 5 });
    expect(advanceStatus(row, 'read', 6)).toEqual({ status: 'read', deliveredAt: 6, readAt: 6 });
    expect(advanceStatus({ ...row, status: 'read', deliveredAt: 5, readAt: 6 }, 'delivered', 9)).toEqual({});
    expect(advanceStatus({ ...row, status: 'queued', sentAt: null }, 'sent', 3)).toEqual({ status: 'sent', sentAt: 3 });
  });
  it('fails only what was not sent, and never revives a failure', () => {
    expect(advanceStatus({ ...row, status: 'queued', sentAt: null }, 'failed', 3)).toEqual({ status: 'failed' });
    expect(advanceStatus(row, 'failed', 3)).toEqual({});
    expect(advanceStatus({ ...row, status: 'failed' }, 'sent', 3)).toEqual({});
    expect(advanceStatus({ ...row, status: 'received' }, 'read', 3)).toEqual({});
  });
});

describe('byte ranges', () => {
  it('reads the forms RFC 9110 allows', () => {
    expect(parseRange(undefined, 100)).toBe('whole');
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBe('whole');
    for (const bad of ['bytes=100-', 'bytes=9-3', 'bytes=-0', 'bytes=-', 'items=0-1']) expect(parseRange(bad, 100)).toBe('unsatisfiable');
  });
});

describe('search snippets', () => {
  it('escape the text and mark the matches', () => {
    expect(searchSnippet('<b>\u0002refund\u0003</b> & more')).toEqual({ snippet: '&lt;b&gt;<mark>refund</mark>&lt;/b&gt; &amp; more', snippetText: '<b>refund</b> & more' });
  });
});
