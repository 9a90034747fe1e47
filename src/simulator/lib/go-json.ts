/**
 * Serialises values the way Go's `json.Marshal` does for the binary's maps and structs, so that bodies
 * (and therefore webhook signatures) are byte-for-byte what a client of the real binary would see:
 * object keys sorted, `undefined` members left out (Go `omitempty` / nil), `<`, `>`, `&`, U+2028 and
 * U+2029 escaped as `\u003c`-style sequences, no trailing newline.
 */
export function goJson(value: unknown): string {
  const text = JSON.stringify(sortKeys(value)) ?? 'null';
  // These characters can only occur inside string literals of the JSON text, so a global replace is safe.
  return text.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const source = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) sorted[key] = sortKeys(source[key]);
  return sorted;
}
