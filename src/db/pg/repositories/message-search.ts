import { and, desc, eq, gte, inArray, lt, lte, not, or, sql, type SQL } from 'drizzle-orm';
import type { MessageSearch, SearchHit, SearchQuery } from '../../ports/message-search.js';
import { idOfKey } from '../../repositories/stored-message-rows.js';
import type { PgExec } from '../client.js';
import { conversationMessages as messages } from '../schema.js';
import { phrasesOf, readSearch, type SearchNode } from '../search-query.js';
import { unstorable } from '../text.js';

type Phrase = Extract<SearchNode, { kind: 'phrase' }>;

/** A phrase as a Postgres regular expression: its words in order, whole words (`\m…\M`), the last one a prefix with `*`. */
function pattern(phrase: Phrase): string {
  return phrase.words.map((w, i) => `\\m${w}${phrase.prefix && i === phrase.words.length - 1 ? '' : '\\M'}`).join('[^[:alnum:]]+');
}

function condition(node: SearchNode): SQL {
  switch (node.kind) {
    case 'phrase': {
      const re = pattern(node);
      return sql`(coalesce(${messages.text}, '') ~* ${re} OR coalesce(${messages.fileName}, '') ~* ${re})`;
    }
    case 'and':
      return and(...node.parts.map(condition)) as SQL;
    case 'or':
      return or(...node.parts.map(condition)) as SQL;
    case 'not':
      return and(condition(node.keep), not(condition(node.drop))) as SQL;
  }
}

/** The same phrase in JavaScript, for the snippet: whole words, case-insensitive. */
function jsPattern(phrase: Phrase): string {
  const edge = '(?![\\p{L}\\p{N}])';
  return `(?<![\\p{L}\\p{N}])${phrase.words.map((w, i) => `${w}${phrase.prefix && i === phrase.words.length - 1 ? '[\\p{L}\\p{N}]*' : edge}`).join('[^\\p{L}\\p{N}]+')}`;
}

const SNIPPET_WORDS = 16;

/** Up to 16 words around the first match, matches between \u0002 and \u0003, … where cut (as FTS5's `snippet`). */
function snippetOf(text: string, phrases: readonly Phrase[]): string {
  const re = new RegExp(phrases.map(jsPattern).join('|'), 'giu');
  const marked = text.replace(re, (m) => `\u0002${m}\u0003`);
  const words = marked.split(/(\s+)/u);
  const first = words.findIndex((w) => w.includes('\u0002'));
  if (first < 0 || words.length <= SNIPPET_WORDS * 2) return marked;
  const start = Math.max(0, first - 2 * Math.floor(SNIPPET_WORDS / 4));
  const end = Math.min(words.length, start + SNIPPET_WORDS * 2 - 1);
  return `${start > 0 ? '…' : ''}${words.slice(start, end).join('')}${end < words.length ? '…' : ''}`;
}

/**
 * Search on Postgres, a first version without an index of its own: whole-word regular expressions over `text` and
 * `file_name` (case-insensitive; accents count, unlike FTS5's `remove_diacritics`; NEAR is "all of the words"),
 * newest first by key, so a page stops after `limit` hits but a rare word reads the numbers' messages through.
 * The next step is a `tsvector` with a GIN index (cluster.md).
 */
export class PgMessageSearchRepository implements MessageSearch {
  constructor(private readonly db: PgExec) {}

  /** Nothing is queued on Postgres: every stored message is searchable at once. */
  async indexPending(): Promise<number> {
    return 0;
  }

  async search(q: SearchQuery): Promise<SearchHit[]> {
    const tree = readSearch(q.match);
    const phones = q.phoneNumbers.filter((p) => !unstorable(p));
    if (phones.length === 0) return [];
    const where: (SQL | undefined)[] = [inArray(messages.phoneNumber, phones), condition(tree)];
    if (q.chatKey !== undefined) where.push(unstorable(q.chatKey) ? sql`false` : eq(messages.chatKey, q.chatKey));
    if (q.direction !== undefined) where.push(eq(messages.direction, q.direction));
    if (q.types && q.types.length > 0) where.push(inArray(messages.type, [...q.types]));
    if (q.belowKey !== undefined) where.push(lt(messages.key, q.belowKey));
    if (q.fromKey !== undefined) where.push(gte(messages.key, q.fromKey));
    if (q.toKey !== undefined) where.push(lte(messages.key, q.toKey));
    const rows = await this.db
      .select()
      .from(messages)
      .where(and(...where))
      .orderBy(desc(messages.key))
      .limit(q.limit);
    const phrases = phrasesOf(tree);
    return rows.map((row) => {
      const inText = row.text !== null && new RegExp(phrases.map(jsPattern).join('|'), 'iu').test(row.text);
      return { row: { ...row, id: row.outboxId ?? idOfKey(row.key) }, snippet: snippetOf((inText ? row.text : row.fileName) ?? '', phrases) };
    });
  }
}
