/**
 * The search grammar `domain/fts-query.ts` writes (`"term"`, `"term"*`, `AND`, `OR`, `NOT`, parentheses,
 * `NEAR("a" "b", n)`) read back into a tree, for Postgres, which has no FTS5. The grammar is closed: the parser
 * writes nothing else, so anything else here is a bug and is refused with a `syntax` error.
 */
export type SearchNode =
  | { readonly kind: 'phrase'; readonly words: readonly string[]; readonly prefix: boolean }
  | { readonly kind: 'and' | 'or'; readonly parts: readonly SearchNode[] }
  | { readonly kind: 'not'; readonly keep: SearchNode; readonly drop: SearchNode };

const TOKEN = /\s*("(?:[^"]|"")*"\*?|AND\b|OR\b|NOT\b|NEAR\(|\(|\)|,\s*\d+)/y;

/** The words of a term as FTS5's tokenizer splits them: runs of letters and digits. */
export const wordsOf = (text: string): string[] => text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');

export function readSearch(match: string): SearchNode {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < match.trimEnd().length) {
    const found = TOKEN.exec(match);
    if (!found?.[1]) throw new Error(`search syntax: cannot read ${match.slice(TOKEN.lastIndex)}`);
    tokens.push(found[1]);
  }
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const or = (): SearchNode => {
    const parts = [and()];
    while (peek() === 'OR') {
      at++;
      parts.push(and());
    }
    return parts.length === 1 ? (parts[0] as SearchNode) : { kind: 'or', parts };
  };
  const and = (): SearchNode => {
    const parts = [not()];
    while (peek() === 'AND') {
      at++;
      parts.push(not());
    }
    return parts.length === 1 ? (parts[0] as SearchNode) : { kind: 'and', parts };
  };
  const not = (): SearchNode => {
    let keep = primary();
    while (peek() === 'NOT') {
      at++;
      keep = { kind: 'not', keep, drop: primary() };
    }
    return keep;
  };
  const primary = (): SearchNode => {
    const token = tokens[at++];
    if (token === '(') {
      const inner = or();
      if (tokens[at++] !== ')') throw new Error('search syntax: ( without )');
      return inner;
    }
    // NEAR(a b, n) is read as "all of them": a first version, looser than FTS5's distance.
    if (token === 'NEAR(') {
      const parts: SearchNode[] = [];
      while (peek()?.startsWith('"')) parts.push(primary());
      if (peek()?.startsWith(',')) at++;
      if (tokens[at++] !== ')') throw new Error('search syntax: NEAR( without )');
      return { kind: 'and', parts };
    }
    if (token?.startsWith('"')) {
      const prefix = token.endsWith('*');
      const text = token.slice(1, prefix ? -2 : -1).replaceAll('""', '"');
      return { kind: 'phrase', words: wordsOf(text), prefix };
    }
    throw new Error(`search syntax: unexpected ${token ?? 'end'}`);
  };
  const tree = or();
  if (at < tokens.length) throw new Error(`search syntax: unexpected ${tokens[at]}`);
  return tree;
}

/** Every phrase of the tree that a hit must or may contain (not the dropped ones): what a snippet marks. */
export function phrasesOf(node: SearchNode): Extract<SearchNode, { kind: 'phrase' }>[] {
  if (node.kind === 'phrase') return [node];
  if (node.kind === 'not') return phrasesOf(node.keep);
  return node.parts.flatMap(phrasesOf);
}
