import type { AuthUser } from '../auth/tokens.js';
import { ValidationError } from '../domain/errors.js';
import { isInternalHost } from '../domain/network.js';
import { resolvesInward } from '../webhooks/outward-lookup.js';

/**
 * Tenants may not aim webhooks at the gateway's own network (loopback, private, link-local), by address or by a
 * name that resolves there: the gateway would make those requests for them. Administrators run the host and may.
 * Each delivery checks the address again when it connects (a name can be re-pointed later).
 */
export async function assertWebhookTarget(user: AuthUser, url: string | null | undefined): Promise<void> {
  if (!url || user.role === 'admin') return;
  const { hostname } = new URL(url);
  if (isInternalHost(hostname) || (await resolvesInward(hostname.replace(/^\[|\]$/g, '')))) {
    throw new ValidationError([{ field: 'webhookUrl', message: 'must not point at a loopback, private or link-local address' }]);
  }
}

/** What a tenant sees of a failed attempt: the status, not the answer of a server it may not own. */
export function deliveryErrorFor(user: { readonly role: string }, lastError: string | null): string | null {
  if (lastError === null || user.role === 'admin') return lastError;
  return /^HTTP \d{3}/.exec(lastError)?.[0] ?? lastError.split(':')[0] ?? null;
}
