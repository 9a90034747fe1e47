import type { Agent, Dispatcher, FormData as UndiciFormData, Response } from 'undici';
import { createOutwardAgent } from '../../outward/outward-agent.js';

type Undici = typeof import('undici');

interface Loaded {
  readonly fetch: Undici['fetch'];
  readonly FormData: Undici['FormData'];
  readonly outward: Agent;
  readonly trusted: Agent;
}

export interface TransportRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | UndiciFormData;
  readonly timeoutMs: number;
  /** Follow redirects (attachment downloads: `data_url` is a redirect, possibly to another host). */
  readonly follow: boolean;
  /** The call is made for a tenant who is not an administrator: every connection (each redirect hop) must reach a public address. */
  readonly outwardOnly: boolean;
}

/**
 * The bridge's HTTP client: undici, loaded with the first call, one keep-alive pool for calls an administrator
 * set up (their Chatwoot may be on the private network) and one outward-only pool (outward/outward-agent.ts) for
 * everything a tenant set up. Nothing else in src/chatwoot opens connections.
 */
export class ChatwootTransport {
  private loaded: Promise<Loaded> | null = null;
  private closed = false;

  private load(): Promise<Loaded> {
    this.loaded ??= import('undici').then((undici) => ({
      fetch: undici.fetch,
      FormData: undici.FormData,
      outward: createOutwardAgent(undici, { keepAliveTimeout: 30_000, connections: 32 }),
      trusted: new undici.Agent({ keepAliveTimeout: 30_000, connections: 32 }),
    }));
    return this.loaded;
  }

  async formData(): Promise<UndiciFormData> {
    const { FormData } = await this.load();
    return new FormData();
  }

  async fetch(url: string, request: TransportRequest): Promise<Response> {
    if (this.closed) throw Object.assign(new Error('the bridge is shutting down'), { name: 'AbortError' });
    const { fetch, outward, trusted } = await this.load();
    const dispatcher: Dispatcher = request.outwardOnly ? outward : trusted;
    return fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: request.follow ? 'follow' : 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
      dispatcher,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (!this.loaded) return;
    const { outward, trusted } = await this.loaded;
    await Promise.allSettled([outward.close(), trusted.close()]);
  }
}
