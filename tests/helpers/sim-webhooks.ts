/**
 * A real HTTP receiver on 127.0.0.1 (port 0) for the binary's webhooks: records every POST with its exact
 * body bytes and arrival time, and answers with a status the test chooses.
 *
 *   const hooks = await startWebhookReceiver();
 *   hooks.respond = (_hook, index) => (index === 0 ? 500 : 200);   // fail the first delivery
 *   const sim = await startSim({ env: { WHATSAPP_WEBHOOK: hooks.url } });
 *   const hook = await hooks.waitFor((h) => h.event === 'message');
 *   await hooks.close();
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedHook {
  /** Arrival time (ms, Date.now()). */
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  /** Exact body bytes. */
  readonly body: Buffer;
  /** Parsed envelope. */
  readonly json: { event: string; device_id: string; session_id?: string; payload: Record<string, unknown>; timestamp?: string };
  readonly event: string;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** Status to answer for the n-th request (0-based); default always 200. */
  respond: (hook: ReceivedHook, index: number) => number;
  waitFor(match: (hook: ReceivedHook) => boolean, timeoutMs?: number): Promise<ReceivedHook>;
  /** Resolves once `count` hooks matching `match` arrived. */
  waitForCount(match: (hook: ReceivedHook) => boolean, count: number, timeoutMs?: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
}

/** `sha256=<hex>` the binary puts in `X-Hub-Signature-256` for these bytes and this secret. */
export function hubSignature(body: Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: ReceivedHook['json'];
      try {
        json = JSON.parse(body.toString('utf8')) as ReceivedHook['json'];
      } catch {
        json = { event: '', device_id: '', payload: {} };
      }
      const hook: ReceivedHook = { at: Date.now(), headers: req.headers, body, json, event: json.event };
      const status = receiver.respond(hook, received.length);
      received.push(hook);
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status < 300 ? 'ok' : 'fail');
      for (const waiter of [...waiters]) waiter();
    });
  });
  const waitForCount = (match: (hook: ReceivedHook) => boolean, count: number, timeoutMs = 5000): Promise<ReceivedHook[]> =>
    new Promise((resolveWait, reject) => {
      const check = (): void => {
        const hits = received.filter(match);
        if (hits.length < count) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolveWait(hits);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`expected ${count} matching webhooks within ${timeoutMs} ms; got ${received.length}: ${received.map((h) => h.event).join(', ')}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const receiver: WebhookReceiver = {
    url: '',
    received,
    respond: () => 200,
    waitForCount,
    waitFor: async (match, timeoutMs) => {
      const [first] = await waitForCount(match, 1, timeoutMs);
      if (!first) throw new Error('unreachable');
      return first;
    },
    close: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
  return new Promise((resolveStart) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      Object.assign(receiver, { url: `http://127.0.0.1:${port}/hook` });
      resolveStart(receiver);
    });
  });
}
