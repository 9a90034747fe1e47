import type { AuthUser } from '../auth/tokens.js';
import { ValidationError } from '../domain/errors.js';
import { inwardReason } from '../outward/outward-lookup.js';

/**
 * URLs the gateway (or a number's child) will fetch or post to for a tenant may only point at public addresses:
 * loopback, private, link-local and the other non-public ranges are where the gateway's own services and the
 * host's network live. Administrators run the host and may. Checked here when the URL is given (400 naming the
 * field); outward-agent.ts checks again at every connection, since a name can be re-pointed later.
 */
export async function assertOutwardUrl(user: AuthUser, field: string, url: string | null | undefined): Promise<void> {
  if (!url || user.role === 'admin') return;
  const reason = await inwardReason(url);
  if (reason) throw new ValidationError([{ field, message: `must be a public address: ${reason}` }]);
}

export function assertWebhookTarget(user: AuthUser, url: string | null | undefined): Promise<void> {
  return assertOutwardUrl(user, 'webhookUrl', url);
}

/** What a tenant sees of a failed attempt: the status, not the answer of a server it may not own. */
export function deliveryErrorFor(user: { readonly role: string }, lastError: string | null): string | null {
  if (lastError === null || user.role === 'admin') return lastError;
  return /^HTTP \d{3}/.exec(lastError)?.[0] ?? lastError.split(':')[0] ?? null;
}
