import type { IncomingMessage } from 'node:http';
import { parseNumberKey } from '../domain/number-key.js';
import { parsePhoneNumber } from '../domain/phone.js';

/**
 * The number a call is about when its path names one: what only the number's owner can serve in distributed mode
 * (its child, its process, its local journal), so the call goes to the owner. The Flask-compatible `/api/clients`
 * routes name it the same way, and the proxy's header form (`/proxy/whatsapp/<path>` with `X-Phone-Number`) in the
 * header. A number that does not parse is left to the route (which answers 400); a proxied call that names no
 * number (the caller's only number) is served where it arrives.
 */
const NUMBER_PATH = /^\/(?:api\/devices|api\/clients|proxy\/whatsapp)\/([^/?#]+)/;
const PROXY_PATH = /^\/proxy\/whatsapp(?:[/?#]|$)/;

export function routedNumber(req: IncomingMessage): string | null {
  const url = req.url ?? '';
  const match = NUMBER_PATH.exec(url);
  const inPath = match?.[1] ? numberKeyOf(match[1]) : null;
  if (inPath !== null || !PROXY_PATH.test(url)) return inPath;
  const header = req.headers['x-phone-number'];
  return typeof header === 'string' ? parsePhoneNumber(header) : null;
}

function numberKeyOf(segment: string): string | null {
  try {
    return parseNumberKey(decodeURIComponent(segment));
  } catch {
    return null;
  }
}
