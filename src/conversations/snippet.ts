const OPEN = '\u0002';
const CLOSE = '\u0003';

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

/**
 * FTS5's snippet (matches between \u0002 and \u0003, which stored text never contains: message-parts.ts drops
 * control characters) → HTML with the text escaped and the matches in `<mark>`, and the plain excerpt.
 */
export function searchSnippet(raw: string): { snippet: string; snippetText: string } {
  return {
    snippet: escapeHtml(raw).replaceAll(OPEN, '<mark>').replaceAll(CLOSE, '</mark>'),
    snippetText: raw.replaceAll(OPEN, '').replaceAll(CLOSE, ''),
  };
}
