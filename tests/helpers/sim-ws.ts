/**
 * A `/ws` client for the stand-in (or a real binary): collects every `{code, message, result}` frame and
 * lets a test wait for one.
 *
 *   const feed = await openSimWs(sim, { query: 'device_id=628111' });
 *   const frame = await feed.waitFor((f) => f.code === 'LOGIN_SUCCESS');
 *   await feed.close();
 */
import WebSocket from 'ws';
import type { SimProcess } from './sim-process.js';

export interface WsFrame {
  code: string;
  message: string;
  result: unknown;
}

export interface SimWs {
  readonly ws: WebSocket;
  readonly frames: WsFrame[];
  /** Resolves with the first frame (already received or future) that matches. */
  waitFor(match: (frame: WsFrame) => boolean, timeoutMs?: number): Promise<WsFrame>;
  /** Resolves with the close code once the server or client closed the socket. */
  closed: Promise<number>;
  close(): Promise<void>;
}

export interface WsOptions {
  /** Query string without `?`, e.g. `device_id=x` or `authorization=<base64>`. */
  query?: string;
  /** Default: the process's basic-auth header; `null` sends none. */
  auth?: string | null;
}

/** Opens the socket; rejects with the HTTP status when the upgrade is refused (e.g. 400 DEVICE_ID_REQUIRED). */
export function openSimWs(sim: SimProcess, options: WsOptions = {}): Promise<SimWs> {
  const url = `ws://${sim.host}:${sim.port}/ws${options.query ? `?${options.query}` : ''}`;
  const auth = options.auth === undefined ? sim.authorization : options.auth;
  const ws = new WebSocket(url, { headers: auth ? { Authorization: auth } : {} });
  const frames: WsFrame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as WsFrame);
    for (const waiter of [...waiters]) waiter();
  });
  const closed = new Promise<number>((resolveClose) => ws.on('close', (code) => resolveClose(code)));
  const feed: SimWs = {
    ws,
    frames,
    closed,
    waitFor(match, timeoutMs = 5000) {
      return new Promise((resolveFrame, reject) => {
        const check = (): void => {
          const frame = frames.find(match);
          if (!frame) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolveFrame(frame);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching WS frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.terminate();
      await closed;
    },
  };
  return new Promise((resolveOpen, reject) => {
    ws.once('open', () => resolveOpen(feed));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => reject(Object.assign(new Error(`WS upgrade refused: ${res.statusCode ?? 0} ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}
