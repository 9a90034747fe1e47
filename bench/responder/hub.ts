/**
 * The isolated-capacity bench's responder hub: one small process that answers for every number's child. The
 * gateway spawns `bench/responder/child.sh` per number (a shell that costs nothing while it waits); each shim
 * connects here and asks for its APP_PORT, and the port stays open for as long as the shim lives. Everything a
 * child does for the gateway (readiness, device slot, status, sends, receipt webhooks, `/ws`) is answered from
 * this process on that port, cheaply, so the gateway's own ceiling shows. The hub also receives the gateway's
 * outbound webhooks and, on request, injects incoming messages (signed webhooks) for the fan-out steps.
 *
 *   forked by bench/lib/responders.ts; IPC: HubRequest → Answer; first message: Ready.
 */
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';
import { ChildApi, ResponderChild, type ChildCounters, type ChildSpec } from './child-api.js';
import type { Answer, Envelope, HubRequest, HubStats, InjectRequest, InjectResult, Ready } from './protocol.js';
import { incomingEnvelope } from './webhooks.js';

const children = new Map<number, { child: ResponderChild; listener: net.Server; sockets: Set<net.Socket> }>();
const counters: ChildCounters & { incoming: number; incomingErrors: number } = { sends: 0, acks: 0, ackErrors: 0, incoming: 0, incomingErrors: 0 };
const outbound: Record<string, number> = {};
const api = new ChildApi((port) => (port === undefined ? undefined : children.get(port)?.child), counters);

/** Retries of children that are gone, so the count never goes down. */
let closedRetries = 0;

function closeChild(port: number): void {
  const entry = children.get(port);
  if (!entry) return;
  children.delete(port);
  closedRetries += entry.child.poster.retries;
  entry.listener.close();
  for (const socket of entry.sockets) socket.destroy();
  entry.child.close();
}

/** Listen on the child's port on its behalf; connections are handed to the shared API server. */
async function openChild(spec: ChildSpec): Promise<void> {
  closeChild(spec.port);
  const child = new ResponderChild(spec);
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    api.server.emit('connection', socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(spec.port, '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  children.set(spec.port, { child, listener, sockets });
}

/** Shims: `open <port> <user:pass> <webhook url> <secret> <pid>` → `ok` (or `error …`); their hang-up closes the port. */
const control = net.createServer((conn) => {
  let port: number | null = null;
  conn.on('error', () => conn.destroy());
  conn.once('close', () => {
    if (port !== null && children.get(port)?.child.spec === spec) closeChild(port);
  });
  let spec: ChildSpec | null = null;
  const lines = readline.createInterface({ input: conn });
  lines.once('line', (line) => {
    const [verb, portText, basicAuth, webhookUrl, webhookSecret] = line.trim().split(' ');
    const asked = Number(portText);
    if (verb !== 'open' || !Number.isInteger(asked) || !basicAuth || !webhookUrl || !webhookSecret) {
      conn.end('error bad open line\n');
      return;
    }
    spec = { port: asked, basicAuth, webhookUrl, webhookSecret };
    const mine = spec;
    openChild(mine).then(
      () => {
        if (conn.destroyed) closeChild(asked);
        else {
          port = asked;
          conn.write('ok\n');
        }
      },
      (err: Error) => conn.end(`error ${err.message.replace(/\s+/g, ' ')}\n`),
    );
  });
});

/** The gateway's outbound webhooks (WEBHOOK_URL): counted by event type, answered 200 at once. */
const receiver = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
  const type = typeof req.headers['x-event-type'] === 'string' ? req.headers['x-event-type'] : '';
  req.resume();
  req.on('end', () => {
    outbound[type] = (outbound[type] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
});

const TICK_MS = 20;

/** `rate` incoming messages per second over every open child, round robin, in short ticks (one webhook each). */
async function inject({ rate, durationSec, step }: InjectRequest): Promise<InjectResult> {
  const targets = [...children.values()].map((entry) => entry.child).filter((child) => child.slots.size > 0);
  if (targets.length === 0) throw new Error('no child is open');
  const perTick = (rate * TICK_MS) / 1000;
  const ticks = Math.round((durationSec * 1000) / TICK_MS);
  let injected = 0;
  let errors = 0;
  let pending = 0;
  let carry = 0;
  let next = 0;
  let finished = false;
  let allSent: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSent = resolve));
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    carry += perTick;
    const due = Math.floor(carry);
    carry -= due;
    for (let i = 0; i < due; i++) {
      const child = targets[next++ % targets.length];
      if (!child) continue;
      const deviceId = [...child.slots.keys()][0] ?? '';
      injected++;
      pending++;
      child.poster.post(incomingEnvelope(deviceId, `fan:${step}:${Date.now()}`), (ok) => {
        if (ok) counters.incoming++;
        else {
          counters.incomingErrors++;
          errors++;
        }
        if (--pending === 0 && finished) allSent();
      });
    }
    const wait = started + (tick + 1) * TICK_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  finished = true;
  if (pending > 0) await done;
  return { injected: injected - errors, errors };
}

function stats(): HubStats {
  let retries = closedRetries;
  for (const { child } of children.values()) retries += child.poster.retries;
  return { children: children.size, ...counters, retries, outbound: { ...outbound } };
}

async function answer(request: HubRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'stats':
      return stats();
    case 'inject':
      return inject(request);
  }
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

const send = (message: Answer | Ready): void => {
  process.send?.(message);
};

process.on('message', (message: Envelope<HubRequest>) => {
  answer(message.body).then(
    (result) => send({ id: message.id, ok: true, result }),
    (err: Error) => send({ id: message.id, ok: false, error: err.message }),
  );
});

function shutdown(): void {
  for (const port of [...children.keys()]) closeChild(port);
  control.close();
  receiver.close();
  receiver.closeAllConnections();
  process.exit(0);
}
// The bench went away (or asked us to stop): nothing here is worth keeping.
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);

const [controlPort, receiverPort] = await Promise.all([listen(control), listen(receiver)]);
send({ ready: true, controlPort, receiverPort });
