import http from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * One request to a child over a keep-alive agent, the whole exchange bounded by `timeoutMs`. Used instead of
 * fetch for JSON and bodiless calls: fetch streams even a string body through a web stream, which made every
 * send several times as expensive (measured by `npm run bench`). Errors keep fetch's shape for callers that
 * classify them: the socket error with its `code` (ECONNREFUSED, ECONNRESET), or a `TimeoutError`.
 *
 * A reused idle connection the child closed just as a read went out fails with ECONNRESET before any answer
 * (its keep-alive timer and ours race when the event loop is busy); a GET or HEAD is then sent again on a fresh
 * connection, once, as Node's own documentation advises. Anything else is passed on: the same reset is what a
 * child killed while handling a send gives, and only the outbox's check of the child's history may decide
 * whether that send went out.
 */
export async function httpCall(agent: http.Agent, url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  try {
    return await attempt(agent, url, method, headers, body, timeoutMs);
  } catch (err) {
    if (!(err instanceof StaleConnection)) throw err;
    // Outside the pool: another idle connection in it may be just as stale.
    return await attempt(false, url, method, headers, body, Math.max(1, deadline - Date.now()));
  }
}

/** The reset of a reused keep-alive connection before any answer: the request never reached the child. */
class StaleConnection extends Error {
  constructor(original: Error) {
    super(original.message, { cause: original });
  }
}

function attempt(agent: http.Agent | false, url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent,
      headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    let settled = false;
    let answered = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finish();
    };
    const timer = setTimeout(() => {
      const err = new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError');
      settle(() => reject(err));
      req.destroy(err);
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = !answered && req.reusedSocket && (method === 'GET' || method === 'HEAD') && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      settle(() => reject(stale ? new StaleConnection(err) : err));
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (err) => settle(() => reject(err)));
      res.on('close', () => settle(() => reject(Object.assign(new Error('the child closed the connection mid-answer'), { code: 'ECONNRESET' }))));
    });
    req.end(body);
  });
}
