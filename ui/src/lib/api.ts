import { config } from './config';

/** An answer that was not 2xx, with the gateway's own code and plain-words message (`{error: {code, message}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: readonly { field: string; message: string }[] = [],
    /** The parsed answer (some routes answer a full report with their error status, e.g. health's 503). */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface TokenSource {
  current(): string | null;
  /** A fresh access token after a 401, or null when the session is over. */
  refresh(): Promise<string | null>;
}

let tokens: TokenSource = { current: () => null, refresh: async () => null };

export function setTokenSource(source: TokenSource): void {
  tokens = source;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Routes that the refresh cookie authenticates need the CSRF header and send the cookie. */
  readonly cookie?: boolean;
  /** Do not try a refresh on 401 (the refresh route itself). */
  readonly noRetry?: boolean;
}

async function send(method: string, path: string, token: string | null, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers['x-dashboard-request'] = '1';
  try {
    return await fetch(`${config.api}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'the gateway cannot be reached; check that it is running');
  }
}

/** Calls the gateway API with the in-memory access token; one refresh and retry on 401. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, tokens.current(), options);
  if (res.status === 401 && !options.noRetry && !options.cookie) {
    const fresh = await tokens.refresh();
    if (fresh) res = await send(method, path, fresh, options);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; fields?: { field: string; message: string }[] } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? (res.statusText || `HTTP ${res.status}`), error?.fields ?? [], body);
  }
  return body as T;
}

/** A message for people: the API's own words, with the fields it names. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.fields.length > 0) return err.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
