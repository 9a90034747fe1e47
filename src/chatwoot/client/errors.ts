import { inwardRefusal } from '../../outward/outward-agent.js';

export type ChatwootFailureKind = 'network' | 'timeout' | 'refused-address' | 'http' | 'too-large' | 'malformed';

/**
 * A Chatwoot call that did not succeed, with what the bridge needs to decide: retry (network, timeouts, 429,
 * 5xx, the per-conversation flood limit) or give up on this step (other 4xx: the request itself is wrong).
 * `message` never carries the token; it carries Chatwoot's own error text when there is one.
 */
export class ChatwootError extends Error {
  constructor(
    readonly kind: ChatwootFailureKind,
    message: string,
    readonly status: number | null = null,
    /** Chatwoot's `error` / `message` / `errors[0]` text. */
    readonly detail: string | null = null,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ChatwootError';
  }

  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind !== 'http' || this.status === null) return false;
    if (this.status === 429 || this.status === 408 || this.status >= 500) return true;
    // 401: a token revoked or an account suspended can be fixed in Chatwoot while the backlog waits.
    if (this.status === 401) return true;
    return this.status === 422 && /too many messages/i.test(this.detail ?? '');
  }

  /** The whole Chatwoot side is unwell (not this one request): the binding as a whole waits. */
  get bindingWide(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || (this.kind === 'http' && (this.status === 429 || this.status === 401 || (this.status ?? 0) >= 500));
  }
}

/** The text Chatwoot's controllers put in an error body (`{error}`, `{message}`, `{errors: […]}`, or plain text). */
export function errorDetail(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; errors?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.message === 'string') return body.message;
    if (Array.isArray(body.errors) && typeof body.errors[0] === 'string') return body.errors[0];
  } catch {
    // not JSON: rack-attack's "Retry later", nginx's HTML page
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain === '' ? null : plain.slice(0, 200);
}

/** A failed fetch as a ChatwootError: a timeout, the outward policy's refusal, or a network error by its code. */
export function networkError(err: unknown, what: string, timeoutMs: number): ChatwootError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new ChatwootError('timeout', `${what}: no answer within ${timeoutMs} ms`, null, null, null, { cause: err });
  const refused = inwardRefusal(err);
  if (refused) return new ChatwootError('refused-address', `${what}: ${refused.message}`, null, null, null, { cause: err });
  const code = e.cause?.code ?? e.cause?.message ?? e.message ?? 'request failed';
  return new ChatwootError('network', `${what}: ${code}`, null, null, null, { cause: err });
}
