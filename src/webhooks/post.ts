import type { Dispatcher } from 'undici';
import { createOutwardAgent, inwardRefusal } from '../outward/outward-agent.js';

type Undici = typeof import('undici');

/** One outbound webhook attempt: resolves with what happened, never rejects. */
export interface PostResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** `outwardOnly`: the target was chosen by a tenant, so it may only resolve to public addresses. */
export type PostFn = (url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal, outwardOnly: boolean) => Promise<PostResult>;

const SNIPPET_BYTES = 300;
/** Idle connections to a receiver are closed after this long (before a server's usual 5 s keep-alive). */
const KEEP_ALIVE_MS = 4000;

interface Dispatchers {
  readonly request: Undici['request'];
  /** Tenants' receivers: every new connection's address is checked (outward/outward-agent.ts), pooled ones were. */
  readonly outward: Dispatcher;
  /** Receivers an administrator configured (the global webhook, admins' numbers): inside the network is allowed. */
  readonly trusted: Dispatcher;
}

/**
 * The poster a dispatcher uses: undici's `request` over keep-alive pools (fetch cost ~5× as much CPU per POST:
 * it streams even a string body through a web stream). Tenants' deliveries go through their own pool, whose
 * every connection is checked at connect time, so reusing a connection never skips the check. A redirect is
 * not followed (`request` follows none). undici is loaded with the first delivery (~80 ms), not at start.
 */
export function webhookPoster(): PostFn {
  let loaded: Promise<Dispatchers> | null = null;
  const load = () =>
    (loaded ??= import('undici').then((undici) => ({
      request: undici.request,
      outward: createOutwardAgent(undici, { keepAliveTimeout: KEEP_ALIVE_MS }),
      trusted: new undici.Agent({ keepAliveTimeout: KEEP_ALIVE_MS }),
    })));
  return async (url, body, headers, timeoutMs, signal, outwardOnly) => {
    const undici = await load();
    return postWebhook(undici.request, url, body, headers, timeoutMs, signal, outwardOnly ? undici.outward : undici.trusted);
  };
}

async function postWebhook(
  request: Undici['request'],
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  shutdown: AbortSignal,
  dispatcher: Dispatcher,
): Promise<PostResult> {
  // One controller for both ends of an attempt: its timeout and the gateway shutting down.
  const attempt = new AbortController();
  const timer = setTimeout(() => attempt.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const onShutdown = (): void => attempt.abort(new DOMException('aborted (gateway shutting down)', 'AbortError'));
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener('abort', onShutdown, { once: true });
  try {
    const res = await request(url, { method: 'POST', body, headers, dispatcher, signal: attempt.signal });
    if (res.statusCode >= 200 && res.statusCode < 300) {
      // Delivered once the status is in: a slow or broken body afterwards must not turn it into a retry. Reading
      // the (small) rest keeps the connection for the next delivery; dump() gives up on a large one.
      res.body.dump().catch(() => undefined);
      return { ok: true, status: res.statusCode, error: null };
    }
    const snippet = await readSnippet(res.body).catch(() => '');
    return { ok: false, status: res.statusCode, error: `HTTP ${res.statusCode}${snippet ? `: ${snippet}` : ''}` };
  } catch (err) {
    return { ok: false, status: null, error: describe(err, timeoutMs) };
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener('abort', onShutdown);
  }
}

/** The start of the answer (for lastError), without reading an arbitrarily large body. */
async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      chunks.push(bytes);
      size += bytes.length;
      if (size >= SNIPPET_BYTES) break;
    }
  } finally {
    body.on('error', () => undefined).destroy();
  }
  return Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'aborted (gateway shutting down)';
  const refused = inwardRefusal(err);
  if (refused) return refused.message;
  if (typeof e.code === 'string' && !e.code.startsWith('UND_ERR')) return e.code;
  return e.cause?.code ?? e.cause?.message ?? e.message ?? 'request failed';
}
