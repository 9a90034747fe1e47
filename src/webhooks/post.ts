import type { Agent, Response } from 'undici';
import { createOutwardAgent, inwardRefusal } from '../outward/outward-agent.js';

type UndiciFetch = typeof import('undici').fetch;

/** One outbound webhook attempt: resolves with what happened, never rejects. */
export interface PostResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** `outwardOnly`: the target was chosen by a tenant, so it may only resolve to public addresses. */
export type PostFn = (url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal, outwardOnly: boolean) => Promise<PostResult>;

const SNIPPET_BYTES = 300;

/**
 * The poster a dispatcher uses; tenants' deliveries go through its own pool, whose addresses are checked at
 * connect time. undici is loaded with the first delivery (~80 ms), not while the gateway starts.
 */
export function webhookPoster(): PostFn {
  let loaded: Promise<{ fetch: UndiciFetch; outward: Agent }> | null = null;
  const load = () => (loaded ??= import('undici').then((undici) => ({ fetch: undici.fetch, outward: createOutwardAgent(undici) })));
  return async (url, body, headers, timeoutMs, signal, outwardOnly) => {
    const { fetch, outward } = await load();
    return postWebhook(fetch, url, body, headers, timeoutMs, signal, outwardOnly ? outward : undefined);
  };
}

async function postWebhook(
  fetch: UndiciFetch,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  dispatcher: Agent | undefined,
): Promise<PostResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      // A redirect is not a delivery: the receiver must answer 2xx itself.
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      ...(dispatcher ? { dispatcher } : {}),
    });
    if (res.status >= 200 && res.status < 300) {
      // Delivered once the status is in: a slow or broken body afterwards must not turn it into a retry.
      await res.body?.cancel().catch(() => undefined);
      return { ok: true, status: res.status, error: null };
    }
    const snippet = await readSnippet(res).catch(() => '');
    return { ok: false, status: res.status, error: `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}` };
  } catch (err) {
    return { ok: false, status: null, error: describe(err, timeoutMs) };
  }
}

/** The start of the answer (for lastError), without reading an arbitrarily large body. */
async function readSnippet(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'aborted (gateway shutting down)';
  const refused = inwardRefusal(err);
  if (refused) return refused.message;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? 'request failed';
}
