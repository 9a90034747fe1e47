/**
 * JSON as ActiveSupport writes it (Rails' `to_json`, jbuilder and webhook bodies): `<`, `>`, `&`, U+2028 and
 * U+2029 are escaped as `\u00XX`, keys whose value is `undefined` are left out. Webhook signatures are computed
 * over exactly these bytes.
 */
const ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

export function railsJson(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  return (text ?? 'null').replace(/[<>&\u2028\u2029]/g, (char) => ESCAPES[char] ?? char);
}
