import type { IncomingMessage } from 'node:http';
import { parseNumberKey } from '../domain/number-key.js';

/**
 * The number a call is about when its path names one: what only the number's owner can serve in distributed mode
 * (its child, its process, its local journal), so the call goes to the owner. The Flask-compatible `/api/clients`
 * routes name it the same way. A path whose number does not parse is left to the route (which answers 400).
 */
const NUMBER_PATH = /^\/(?:api\/devices|api\/clients|proxy\/whatsapp)\/([^/?#]+)/;

export function routedNumber(req: IncomingMessage): string | null {
  const match = NUMBER_PATH.exec(req.url ?? '');
  if (!match?.[1]) return null;
  let raw: string;
  try {
    raw = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return parseNumberKey(raw);
}
