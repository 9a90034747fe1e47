/**
 * SQL `LIKE` / `ILIKE` as Postgres evaluates Chatwoot's `"%#{q}%"` patterns: `%` is any run, `_` any one
 * character, `\` escapes. A user's own `%` or `_` are wildcards too, as in the real search.
 */
export function likeMatcher(pattern: string, caseInsensitive: boolean): (value: string | null) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '\\' && i + 1 < pattern.length) {
      source += escapeRegex(pattern[++i] ?? '');
    } else if (char === '%') {
      source += '[\\s\\S]*';
    } else if (char === '_') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegex(char);
    }
  }
  const regex = new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
  return (value) => value !== null && regex.test(value);
}

function escapeRegex(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
