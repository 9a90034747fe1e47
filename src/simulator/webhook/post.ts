/** One webhook POST attempt with a timeout: resolves with the status code, rejects on network errors. */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

// Bounded socket pools: a burst of 10 000 simulated messages must not open 10 000 sockets at once.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
const insecureAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64, rejectUnauthorized: false });

export interface PostOptions {
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly insecureSkipVerify: boolean;
}

export function postOnce(url: string, body: Buffer, options: PostOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`parse "${url}": invalid URL`));
      return;
    }
    const secure = target.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const agent = secure ? (options.insecureSkipVerify ? insecureAgent : httpsAgent) : httpAgent;
    const req = send(target, {
      method: 'POST',
      agent,
      headers: { ...options.headers, 'Content-Length': String(body.length) },
    });
    const timer = setTimeout(() => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')), options.timeoutMs);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
