import type { AuthUser } from '../auth/tokens.js';
import { ValidationError } from '../domain/errors.js';
import { isInternalHost } from '../domain/network.js';

/**
 * Tenants may not aim webhooks at the gateway's own network (loopback, private, link-local): the gateway would
 * make those requests for them. Administrators run the host and may.
 */
export function assertWebhookTarget(user: AuthUser, url: string | null | undefined): void {
  if (!url || user.role === 'admin') return;
  if (isInternalHost(new URL(url).hostname)) {
    throw new ValidationError([{ field: 'webhookUrl', message: 'must not point at a loopback, private or link-local address' }]);
  }
}

/** What a tenant sees of a failed attempt: the status, not the answer of a server it may not own. */
export function deliveryErrorFor(user: AuthUser, lastError: string | null): string | null {
  if (lastError === null || user.role === 'admin') return lastError;
  return /^HTTP \d{3}/.exec(lastError)?.[0] ?? lastError.split(':')[0] ?? null;
}
