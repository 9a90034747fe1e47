/**
 * A search box's text → an SQLite FTS5 query that cannot fail. Callers may write words, `"exact phrases"`,
 * prefixes (`refun*`), `AND` / `OR` / `NOT`, parentheses and `NEAR(a b, 5)`; every term is re-quoted, so no
 * character of the input reaches FTS5's own syntax unchecked. Mistakes (an unbalanced quote, `NEAR(` without its
 * `)`, a `*` on its own, a dangling operator) are reported with what to change, never as an SQL error.
 */
export const MAX_QUERY_LENGTH = 200;
export const MAX_QUERY_TERMS = 16;
const MAX_NEAR_DISTANCE = 100;

export type FtsQueryResult = { readonly ok: true; readonly query: string; readonly terms: number } | { readonly ok: false; readonly message: string };

type Token =
  | { readonly kind: 'term'; readonly text: string; readonly prefix: boolean }
  | { readonly kind: 'op'; readonly op: 'AND' | 'OR' | 'NOT' }
  | { readonly kind: 'near' }
  | { readonly kind: 'open' }
  | { readonly kind: 'close' }
  | { readonly kind: 'comma' };

class QueryError extends Error {}

/** Letters and digits of any script: a term without one would match nothing (the tokenizer drops the rest). */
const WORDY = /[\p{L}\p{N}]/u;
const SPECIAL = new Set(['"', '(', ')', '*', ',']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const starAfter = (): boolean => {
    if (input[i] !== '*') return false;
    i++;
    return true;
  };
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (/\s/u.test(ch)) {
      i++;
    } else if (ch === '"') {
      const end = input.indexOf('"', i + 1);
      if (end < 0) throw new QueryError('has an unbalanced quote: close the phrase with "');
      const text = input.slice(i + 1, end);
      i = end + 1;
      tokens.push({ kind: 'term', text, prefix: starAfter() });
    } else if (ch === '(') {
      tokens.push({ kind: 'open' });
      i++;
    } else if (ch === ')') {
      tokens.push({ kind: 'close' });
      i++;
    } else if (ch === ',') {
      tokens.push({ kind: 'comma' });
      i++;
    } else if (ch === '*') {
      throw new QueryError('has a * on its own: a * ends a word to search by prefix, as in refun*');
    } else {
      let end = i;
      while (end < input.length && !/\s/u.test(input[end] ?? '') && !SPECIAL.has(input[end] ?? '')) end++;
      const word = input.slice(i, end);
      i = end;
      if (word === 'NEAR' && input[i] === '(') tokens.push({ kind: 'near' });
      else if (word === 'AND' || word === 'OR' || word === 'NOT') tokens.push({ kind: 'op', op: word });
      else tokens.push({ kind: 'term', text: word, prefix: starAfter() });
    }
  }
  return tokens;
}

/** Recursive descent over: or := and (OR and)*; and := not ([AND] not)*; not := primary (NOT primary)*. */
class Parser {
  private at = 0;
  terms = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): string {
    const query = this.or();
    const rest = this.tokens[this.at];
    if (rest) throw new QueryError(rest.kind === 'close' ? 'has a ) without its (' : 'could not be read past a stray operator');
    if (query === '') throw new QueryError('must contain at least one word (letters or digits)');
    return query;
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private or(): string {
    const parts = [this.and()];
    while (this.isOp('OR')) {
      this.at++;
      parts.push(this.required(this.and(), 'OR'));
    }
    return this.join(parts, 'OR');
  }

  private and(): string {
    const parts = [this.not()];
    for (;;) {
      if (this.isOp('AND')) {
        this.at++;
        parts.push(this.required(this.not(), 'AND'));
        continue;
      }
      const next = this.peek();
      if (next && (next.kind === 'term' || next.kind === 'open' || next.kind === 'near')) {
        parts.push(this.not());
        continue;
      }
      return this.join(parts, 'AND');
    }
  }

  private not(): string {
    let left = this.primary();
    while (this.isOp('NOT')) {
      this.at++;
      const right = this.required(this.primary(), 'NOT');
      if (left === '') throw new QueryError('has NOT without a word before it (write: invoice NOT paid)');
      left = `${left} NOT ${right}`;
    }
    return left;
  }

  private primary(): string {
    const token = this.peek();
    if (!token) return '';
    if (token.kind === 'op') throw new QueryError(`has ${token.op} without a word before it`);
    if (token.kind === 'close' || token.kind === 'comma') return '';
    this.at++;
    if (token.kind === 'term') return this.phrase(token);
    if (token.kind === 'open') {
      const inner = this.or();
      if (this.peek()?.kind !== 'close') throw new QueryError('has a ( without its )');
      this.at++;
      return inner === '' ? '' : `(${inner})`;
    }
    return this.near();
  }

  private near(): string {
    this.at++; // the '(' right after NEAR
    const phrases: string[] = [];
    let distance: number | null = null;
    for (;;) {
      const token = this.peek();
      if (!token) throw new QueryError('has NEAR( without its ): write NEAR(word other, 10)');
      this.at++;
      if (token.kind === 'close') break;
      if (token.kind === 'term' && distance === null) {
        const phrase = this.phrase(token);
        if (phrase !== '') phrases.push(phrase);
      } else if (token.kind === 'comma' && distance === null) {
        const n = this.peek();
        if (n?.kind !== 'term' || !/^[0-9]{1,3}$/.test(n.text) || n.prefix || Number(n.text) > MAX_NEAR_DISTANCE) {
          throw new QueryError(`has NEAR(…, N) with N not a whole number from 0 to ${MAX_NEAR_DISTANCE}`);
        }
        distance = Number(n.text);
        this.at++;
      } else {
        throw new QueryError('has NEAR( with something other than words inside: write NEAR(word other, 10)');
      }
    }
    if (phrases.length < 2) throw new QueryError('has NEAR( with fewer than two words inside');
    return `NEAR(${phrases.join(' ')}${distance === null ? '' : `, ${distance}`})`;
  }

  private phrase(token: Extract<Token, { kind: 'term' }>): string {
    if (!WORDY.test(token.text)) return '';
    if (++this.terms > MAX_QUERY_TERMS) throw new QueryError(`has more than ${MAX_QUERY_TERMS} words`);
    return `"${token.text.replace(/"/g, '""')}"${token.prefix ? '*' : ''}`;
  }

  private isOp(op: 'AND' | 'OR' | 'NOT'): boolean {
    const token = this.peek();
    return token?.kind === 'op' && token.op === op;
  }

  private required(part: string, op: string): string {
    if (part === '') throw new QueryError(`has ${op} without a word after it`);
    return part;
  }

  private join(parts: readonly string[], op: 'AND' | 'OR'): string {
    const kept = parts.filter((p) => p !== '');
    return kept.join(` ${op} `);
  }
}

export function parseFtsQuery(input: string): FtsQueryResult {
  if (input.length > MAX_QUERY_LENGTH) return { ok: false, message: `is longer than ${MAX_QUERY_LENGTH} characters` };
  try {
    const parser = new Parser(tokenize(input));
    const query = parser.parse();
    return { ok: true, query, terms: parser.terms };
  } catch (err) {
    if (err instanceof QueryError) return { ok: false, message: err.message };
    throw err;
  }
}
