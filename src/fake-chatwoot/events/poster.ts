/**
 * One webhook POST, one attempt, one timeout (RestClient with `timeout: WEBHOOK_TIMEOUT`), a new connection
 * each time. Failures come back with the text Chatwoot stores in `external_error`: a non-2xx answer (3xx
 * included: RestClient does not follow redirects on POST) is `"<code> <reason>"`.
 */
import { request as httpRequest, STATUS_CODES } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type PostOutcome = { readonly ok: true; readonly status: number } | { readonly ok: false; readonly status: number | null; readonly error: string };

export function postOnce(url: string, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<PostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return Promise.resolve({ ok: false, status: null, error: `bad URI(is not URI?): "${url}"` });
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(body.length) } });
    const timer = setTimeout(() => {
      finish({ ok: false, status: null, error: connected ? 'Timed out reading data from server' : 'Timed out connecting to server' });
      req.destroy();
    }, timeoutMs);
    req.on('socket', (socket) => socket.on('connect', () => {
      connected = true;
    }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => {
        finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `${status} ${STATUS_CODES[status] ?? ''}`.trim() });
      });
      res.on('error', (err) => finish({ ok: false, status, error: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: networkError(err, host, port) }));
    req.end(body);
  });
}

/** Net::HTTP's wording for the usual failures. */
function networkError(err: NodeJS.ErrnoException, host: string, port: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `Failed to open TCP connection to ${host}:${port} (Connection refused - connect(2) for "${host}" port ${port})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Failed to open TCP connection to ${host}:${port} (getaddrinfo: Name or service not known)`;
    case 'ECONNRESET':
      return 'Connection reset by peer';
    case 'EPIPE':
      return 'Broken pipe';
    default:
      return err.message;
  }
}
