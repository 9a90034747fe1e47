import crypto from 'node:crypto';

export type SignatureVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Chatwoot's webhook signature (v4.11.2+ account webhooks, v4.13+ API inboxes; chatwoot.md §5.4):
 * `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Chatwoot-Timestamp>.<raw body>")>`. Compared in
 * constant time; a timestamp further than `toleranceSec` from now is refused (a replayed capture).
 */
export function verifyChatwootSignature(secret: string, timestamp: string | undefined, signature: string | undefined, raw: Buffer, toleranceSec: number, nowMs: number): SignatureVerdict {
  if (!timestamp || !signature) return { ok: false, reason: 'X-Chatwoot-Signature and X-Chatwoot-Timestamp are required' };
  if (!/^[0-9]{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Chatwoot-Timestamp is not a unix time' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSec) return { ok: false, reason: `X-Chatwoot-Timestamp is more than ${toleranceSec} s away from now` };
  const expected = Buffer.from(`sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { ok: false, reason: 'X-Chatwoot-Signature does not match' };
  return { ok: true };
}
