/**
 * Fetching `image_url` / `file_url` as Go's `http.Get` would (redirects followed, any status but 200 is an
 * error). Offline, the error text follows Go's dial errors, e.g. `dial tcp: lookup host: no such host`.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Downloaded {
  readonly data: Buffer;
  readonly contentType: string;
  readonly filename: string;
}

const MAX_REDIRECTS = 10;

export async function download(url: string, limit: number): Promise<Downloaded> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await get(current);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      current = new URL(location, current).toString();
      continue;
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new Error(`HTTP request failed with status code: ${res.statusCode ?? 0}`);
    }
    const data = await readAll(res, limit);
    const filename = decodeURIComponent(new URL(current).pathname.split('/').pop() ?? '') || 'file';
    return { data, contentType: String(res.headers['content-type'] ?? ''), filename };
  }
  throw new Error(`Get "${current}": stopped after ${MAX_REDIRECTS} redirects`);
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`parse "${url}": invalid URI for request`));
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: 'GET', timeout: 30_000 }, resolve);
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(`Get "${url}": ${goDialError(target, err)}`)));
    req.end();
  });
}

function goDialError(target: URL, err: NodeJS.ErrnoException): string {
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${target.hostname}: no such host`;
    case 'ECONNREFUSED':
      return `dial tcp ${target.hostname}:${port}: connect: connection refused`;
    case 'ENETUNREACH':
      return `dial tcp ${target.hostname}:${port}: connect: network is unreachable`;
    default:
      return err.message;
  }
}

function readAll(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        reject(new Error(`file size exceeds the maximum of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}
