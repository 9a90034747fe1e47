import { qrFileName } from '../qr/qr-file.js';
import { PROXY_PREFIX } from './targets.js';

/**
 * A child's `/app/login` answer with `results.qr_link` pointed at the gateway
 * (`<origin>/proxy/whatsapp/<phone>/statics/qrcode/<file>`, behind the caller's own token) instead of the child's
 * loopback port. Anything that is not such an answer is returned unchanged, byte for byte.
 */
export function rewriteQrLink(body: Buffer, origin: string, phoneNumber: string): Buffer {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  const results = (envelope as { results?: unknown } | null)?.results;
  if (typeof results !== 'object' || results === null) return body;
  const link = (results as { qr_link?: unknown }).qr_link;
  if (typeof link !== 'string') return body;
  const file = qrFileName(link);
  (results as { qr_link: string }).qr_link = file ? `${origin}${PROXY_PREFIX}/${phoneNumber}/statics/qrcode/${file}` : '';
  return Buffer.from(JSON.stringify(envelope));
}
