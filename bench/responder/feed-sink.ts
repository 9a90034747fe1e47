/**
 * The isolated-capacity bench's Socket.IO clients, in a process of their own (so neither the load generator nor
 * the responders share their event loop): N lean clients (lean-socket.ts) with the admin token, each counting
 * the `whatsapp-websocket-message` frames it gets by type, and one latency histogram for all of them.
 *
 *   node dist/bench/responder/feed-sink.js <gateway url> <token> <clients>   (forked; IPC: SinkRequest → Answer)
 */
import { frameKind, frameTimestamp, LeanSocketIo } from './lean-socket.js';
import type { Answer, Envelope, Ready, SinkCounts, SinkLatency, SinkRequest } from './protocol.js';

const [url = '', token = '', countText = '1'] = process.argv.slice(2);
const count = Number(countText);
const acks = new Array<number>(count).fill(0);
const messages = new Array<number>(count).fill(0);
const other = new Array<number>(count).fill(0);
/** Receipt − timestamp in whole milliseconds; the last bucket holds everything slower. */
const MAX_MS = 60_000;
let histogram = new Uint32Array(MAX_MS + 1);
let lastAt = 0;

const clients = Array.from({ length: count }, (_, index) =>
  new LeanSocketIo(url, token, (frame) => {
    const kind = frameKind(frame);
    if (kind === 'other') {
      other[index] = (other[index] ?? 0) + 1;
      return;
    }
    if (kind === 'ack') acks[index] = (acks[index] ?? 0) + 1;
    else messages[index] = (messages[index] ?? 0) + 1;
    const now = Date.now();
    lastAt = now;
    const at = frameTimestamp(frame);
    if (Number.isFinite(at)) {
      const ms = Math.max(0, Math.round(now - at));
      histogram[ms > MAX_MS ? MAX_MS : ms]! += 1;
    }
  }),
);

function latency(reset: boolean): SinkLatency {
  let total = 0;
  let max = 0;
  for (let ms = 0; ms <= MAX_MS; ms++) {
    const n = histogram[ms] ?? 0;
    total += n;
    if (n > 0) max = ms;
  }
  const rank = (p: number): number => {
    const wanted = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (let ms = 0; ms <= MAX_MS; ms++) {
      seen += histogram[ms] ?? 0;
      if (seen >= wanted) return ms;
    }
    return NaN;
  };
  const result = { count: total, p50: total ? rank(50) : NaN, p99: total ? rank(99) : NaN, max: total ? max : NaN };
  if (reset) histogram = new Uint32Array(MAX_MS + 1);
  return result;
}

function answer(request: SinkRequest): unknown {
  switch (request.cmd) {
    case 'connected': {
      const failed = clients.find((c) => c.error !== null);
      if (failed) throw new Error(`a client was refused: ${failed.error}`);
      return clients.every((c) => c.connected);
    }
    case 'counts':
      return { acks, messages, other, lastAt } satisfies SinkCounts;
    case 'latency':
      return latency(request.reset);
  }
}

process.on('message', (message: Envelope<SinkRequest>) => {
  let reply: Answer;
  try {
    reply = { id: message.id, ok: true, result: answer(message.body) };
  } catch (err) {
    reply = { id: message.id, ok: false, error: (err as Error).message };
  }
  process.send?.(reply);
});
const shutdown = (): void => {
  for (const client of clients) client.close();
  process.exit(0);
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.send?.({ ready: true } satisfies Ready);
