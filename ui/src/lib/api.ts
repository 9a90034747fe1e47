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
  /** JSON, or a FormData sent as multipart/form-data (the browser sets its boundary). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** Routes that the refresh cookie authenticates need the CSRF header and send the cookie. */
  readonly cookie?: boolean;
  /** Do not try a refresh on 401 (the refresh route itself). */
  readonly noRetry?: boolean;
}

async function send(method: string, path: string, token: string | null, options: RequestOptions): Promise<Response> {
  const form = options.body instanceof FormData;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (options.body !== undefined && !form) headers['content-type'] = 'application/json';
  if (options.cookie) headers['x-dashboard-request'] = '1';
  try {
    return await fetch(`${config.api}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : form ? (options.body as FormData) : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'the gateway cannot be reached; check that it is running');
  }
}

/** One call with the in-memory access token; one refresh and retry on 401. */
async function call(method: string, path: string, options: RequestOptions): Promise<Response> {
  const res = await send(method, path, tokens.current(), options);
  if (res.status !== 401 || options.noRetry || options.cookie) return res;
  const fresh = await tokens.refresh();
  return fresh ? send(method, path, fresh, options) : res;
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function failure(res: Response, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string; fields?: { field: string; message: string }[] } } | null)?.error;
  return new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? (res.statusText || `HTTP ${res.status}`), error?.fields ?? [], body);
}

/** Calls the gateway API with the in-memory access token; one refresh and retry on 401. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const res = await call(method, path, options);
  if (res.status === 204) return undefined as T;
  const body = parse(await res.text());
  if (!res.ok) throw failure(res, body);
  return body as T;
}

/**
 * A file from the API (media, exports) as a Blob, fetched with the Authorization header: a token never goes in a
 * URL, so images are shown from `blob:` URLs made of these, and downloads are saved from them.
 */
export async function apiBlob(path: string, options: { signal?: AbortSignal } = {}): Promise<Blob> {
  const res = await call('GET', path, { ...options, headers: { accept: '*/*' } });
  if (!res.ok) throw failure(res, parse(await res.text()));
  return res.blob();
}

/** Saves a Blob as a file with the browser's own download (an object URL, released right after). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A message for people: the API's own words, with the fields it names. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.fields.length > 0) return err.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
