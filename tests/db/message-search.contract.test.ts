/** Message search on both dialects (SQLite: FTS5; Postgres: its first version), through the grammar the API parses. */
import { describe, expect, it } from '@jest/globals';
import type { MessageSearch, SearchQuery } from '../../src/db/ports/message-search.js';
import type { NewStoredMessage, StoredMessageWrites } from '../../src/db/ports/stored-messages.js';
import { PgMessageSearchRepository } from '../../src/db/pg/repositories/message-search.js';
import { PgStoredMessageRepository } from '../../src/db/pg/repositories/stored-messages.js';
import { MessageSearchRepository } from '../../src/db/repositories/message-search.js';
import { StoredMessageRepository } from '../../src/db/repositories/stored-messages.js';
import { parseFtsQuery } from '../../src/domain/fts-query.js';
import { DIALECTS, dialectDatabases, type TestDatabase } from '../helpers/dialects.js';

const open = dialectDatabases('search');
const A = '5511900000001';
const B = '5511900000002';
const T0 = 1_764_000_000_000;

function storesOf(d: TestDatabase): { writes: StoredMessageWrites<'sync'> | StoredMessageWrites<'async'>; search: MessageSearch } {
  return d.dialect === 'sqlite'
    ? { writes: new StoredMessageRepository(d.db), search: new MessageSearchRepository(d.db) }
    : { writes: new PgStoredMessageRepository(d.db), search: new PgMessageSearchRepository(d.db) };
}

const message = (n: number, text: string | null, over: Partial<NewStoredMessage> = {}): NewStoredMessage => ({
  outboxId: null, phoneNumber: A, chatKey: '5511800000001@s.whatsapp.net', chatJid: null, waId: `3A${n}`, direction: 'in', type: 'text',
  senderJid: null, senderLid: null, senderName: null, text, fileName: null, media: null, content: null, status: 'received', error: null,
  at: T0 + n, sentAt: null, deliveredAt: null, readAt: null, editedAt: null, deletedAt: null, source: 'live', createdAt: T0, updatedAt: T0, ...over,
});

describe.each(DIALECTS)('message search on %s', (dialect) => {
  it('finds whole words, prefixes, phrases and file names of the numbers asked for, newest first, with marked snippets', async () => {
    const { writes, search } = storesOf(await open(dialect));
    const texts = ['I want a refund please', 'Othello is a play', 'hello there', 'the e-mail bounced', 'Hello again, about the refund', 'nothing here'];
    for (const [n, text] of texts.entries()) await writes.insert(T0 + n * 1000, message(n, text));
    await writes.insert(T0 + 9000, message(9, null, { type: 'document', fileName: 'invoice-march.pdf' }));
    await writes.insert(T0 + 9500, message(10, 'hello from elsewhere', { phoneNumber: B }));
    await search.indexPending();
    const find = async (q: string, over: Partial<SearchQuery> = {}) => {
      const parsed = parseFtsQuery(q);
      if (!parsed.ok) throw new Error(parsed.message);
      return (await search.search({ match: parsed.query, phoneNumbers: [A], limit: 10, ...over })).map((h) => h.row.text ?? h.row.fileName);
    };
    expect(await find('hello')).toEqual(['Hello again, about the refund', 'hello there']);
    expect(await find('refun*')).toEqual(['Hello again, about the refund', 'I want a refund please']);
    expect(await find('hello AND refund')).toEqual(['Hello again, about the refund']);
    expect(await find('hello OR play')).toEqual(['Hello again, about the refund', 'hello there', 'Othello is a play']);
    expect(await find('refund NOT hello')).toEqual(['I want a refund please']);
    expect(await find('e-mail')).toEqual(['the e-mail bounced']);
    expect(await find('"about the refund"')).toEqual(['Hello again, about the refund']);
    expect(await find('invoice')).toEqual(['invoice-march.pdf']);
    expect(await find('hello', { phoneNumbers: [A, B] })).toEqual(['hello from elsewhere', 'Hello again, about the refund', 'hello there']);
    expect(await find('hello', { limit: 1 })).toEqual(['Hello again, about the refund']);
    expect(await find('hello', { belowKey: (T0 + 4000) * 2048 })).toEqual(['hello there']);
    expect(await find('hello', { phoneNumbers: [] })).toEqual([]);
    expect(await find('(hello OR othello) NOT again')).toEqual(['hello there', 'Othello is a play']);
    expect(await find('NEAR(hello there, 3)')).toEqual(['hello there']);
    const parsed = parseFtsQuery('refund');
    if (!parsed.ok) throw new Error(parsed.message);
    const [hit] = await search.search({ match: parsed.query, phoneNumbers: [A], limit: 1 });
    expect(hit?.snippet).toBe('Hello again, about the \u0002refund\u0003');
    const long = `${'word '.repeat(40)}the refund came ${'more '.repeat(40)}`.trim();
    await writes.insert(T0 + 20_000, message(20, long));
    await search.indexPending();
    const [cut] = await search.search({ match: parsed.query, phoneNumbers: [A], limit: 1 });
    expect(cut?.snippet.startsWith('…') && cut.snippet.endsWith('…')).toBe(true);
    expect(cut?.snippet).toContain('\u0002refund\u0003');
    expect(cut?.snippet.length).toBeLessThan(long.length / 2);
  });
});
