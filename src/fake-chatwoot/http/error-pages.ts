/**
 * Bodies that do not come from a controller: Rails' public error pages (JSON when the client accepts it,
 * HTML otherwise), rack-attack's 429 and the page nginx shows when Chatwoot behind it is down.
 */
import { STATUS_CODES } from 'node:http';
import type { Reply } from './reply.js';

const RAILS_PAGES: Record<number, string> = {
  404: "The page you were looking for doesn't exist.",
  422: 'The change you wanted was rejected.',
  500: "We're sorry, but something went wrong.",
};

export function railsPage(status: number, accept: string): Reply {
  const reason = STATUS_CODES[status] ?? 'Error';
  if (accept.includes('json')) {
    return { status, body: JSON.stringify({ status, error: reason }), contentType: 'application/json; charset=utf-8' };
  }
  const text = RAILS_PAGES[status] ?? reason;
  const html = `<!DOCTYPE html>\n<html>\n<head>\n  <title>${text}</title>\n</head>\n<body>\n  <div class="dialog">\n    <h1>${text}</h1>\n  </div>\n</body>\n</html>\n`;
  return { status, body: html, contentType: 'text/html; charset=utf-8' };
}

/** rack-attack's default throttled response: plain text, no Retry-After unless configured. */
export function throttled(retryAfterSeconds?: number): Reply {
  const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
  return { status: 429, body: 'Retry later\n', contentType: 'text/plain', headers };
}

export function nginxPage(status: number): Reply {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return { status, body, contentType: 'text/html', headers: { Server: 'nginx' } };
}

/** What an injected failure answers: 429 as rack-attack, 502–504 as nginx in front, the rest as Rails. */
export function injectedReply(status: number, accept: string, body?: string, contentType?: string, retryAfter?: number): Reply {
  if (body !== undefined) return { status, body, contentType: contentType ?? 'text/plain' };
  if (status === 429) return throttled(retryAfter);
  if (status >= 502 && status <= 504) return nginxPage(status);
  return railsPage(status, accept);
}
