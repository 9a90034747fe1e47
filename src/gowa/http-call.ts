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
 */
export function httpCall(agent: http.Agent, url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent,
      headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    let settled = false;
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
    req.on('error', (err) => settle(() => reject(err)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })));
      res.on('error', (err) => settle(() => reject(err)));
      res.on('close', () => settle(() => reject(Object.assign(new Error('the child closed the connection mid-answer'), { code: 'ECONNRESET' }))));
    });
    req.end(body);
  });
}
