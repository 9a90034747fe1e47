/**
 * A real HTTP receiver on 127.0.0.1 for the gateway's outbound webhooks: records every request with its exact
 * body, headers and the status it answered, and answers what the test chooses (or holds the request open).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface OutboundEnvelope {
  id: string;
  type: string;
  phoneNumber: string;
  seq: number;
  timestamp: string;
  payload: Record<string, unknown>;
}

export interface Hit {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly json: OutboundEnvelope;
  /** What the receiver answered; null while held open. */
  status: number | null;
}

export interface Receiver {
  readonly url: string;
  readonly hits: Hit[];
  /** Status to answer, or 'hold' to keep the request open until `release()`. */
  respond: (hit: Hit) => number | 'hold';
  /** Answer every held request with this status. */
  release(status: number): void;
  waitFor(match: (hit: Hit) => boolean, count?: number, timeoutMs?: number): Promise<Hit[]>;
  close(): Promise<void>;
}

export function startReceiver(): Promise<Receiver> {
  const hits: Hit[] = [];
  const held: { hit: Hit; res: ServerResponse }[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const answer = (hit: Hit, res: ServerResponse, status: number) => {
    hit.status = status;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
    notify();
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json = {} as OutboundEnvelope;
      try {
        json = JSON.parse(body.toString('utf8')) as OutboundEnvelope;
      } catch {
        // recorded as is
      }
      const hit: Hit = { at: Date.now(), headers: req.headers, body, json, status: null };
      hits.push(hit);
      const decision = receiver.respond(hit);
      if (decision === 'hold') {
        held.push({ hit, res });
        notify();
      } else answer(hit, res, decision);
    });
  });
  const receiver: Receiver = {
    url: '',
    hits,
    respond: () => 200,
    release: (status) => {
      for (const { hit, res } of held.splice(0)) if (!res.destroyed) answer(hit, res, status);
    },
    waitFor: (match, count = 1, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = hits.filter(match);
          if (found.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} matching webhooks within ${timeoutMs} ms; got ${hits.filter(match).length} of ${hits.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      Object.assign(receiver, { url: `http://127.0.0.1:${port}/hook` });
      resolve(receiver);
    });
  });
}
