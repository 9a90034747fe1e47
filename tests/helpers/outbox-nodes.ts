/**
 * Outboxes of several cluster nodes on one Postgres (distributed mode's sends, DM-21): each node's outbox on the
 * Postgres store under its ownership core's fences, and each node's "child" a small HTTP stand-in for the number's
 * binary. The stand-ins of one number share one WhatsApp history (the session moves with the number), so a new
 * owner can find in it what a former owner's child sent.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { ClusterNode } from '../../src/cluster/cluster-node.js';
import { pgDatabase } from '../../src/db/pg/client.js';
import { PgOutboxStore } from '../../src/db/pg/repositories/outbox.js';
import { GowaClient } from '../../src/gowa/client.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLogger } from '../../src/lib/logger.js';
import { TypedEmitter } from '../../src/lib/typed-emitter.js';
import { MediaStore } from '../../src/messaging/media-store.js';
import { Outbox } from '../../src/messaging/outbox.js';
import { followOwnership, ownerGate } from '../../src/messaging/owner-dispatch.js';
import type { OutboxSettings, QueueSettingsStore } from '../../src/messaging/types.js';
import type { SupervisorEvents } from '../../src/supervisor/types.js';

/** One send as WhatsApp saw it: which node's child made it. */
export interface Sent {
  readonly id: string;
  readonly node: string;
  readonly chat: string;
  readonly text: string;
  readonly at: number;
}

/** WhatsApp's side of one session, shared by the children the number has had. */
export class History {
  readonly sent: Sent[] = [];
  private count = 0;

  record(node: string, chat: string, text: string): Sent {
    const entry = { id: `WA${String(++this.count).padStart(6, '0')}`, node, chat, text, at: Date.now() };
    this.sent.push(entry);
    return entry;
  }

  texts(node?: string): string[] {
    return this.sent.filter((s) => node === undefined || s.node === node).map((s) => s.text);
  }
}

/** A node's child for the number: `/send/message` and `/chat/{jid}/messages` as the binary answers them. */
export class StandInChild {
  private server: http.Server | null = null;
  private gowa: GowaClient | null = null;
  private held: { readonly arrive: () => void; readonly released: Promise<void> } | null = null;
  private release: (() => void) | null = null;

  constructor(
    readonly node: string,
    private readonly history: History,
  ) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  client(phoneNumber: string): GowaClient {
    const { port } = this.server?.address() as AddressInfo;
    this.gowa ??= new GowaClient({ host: '127.0.0.1', port, basicAuth: 'test:test', deviceId: phoneNumber }, 5000);
    return this.gowa;
  }

  /** The next send reaches WhatsApp at once but its answer waits for `release()`; `arrived` resolves when it came in. */
  holdNext(): { arrived: Promise<void>; release: () => void } {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.held = { arrive, released };
    this.release = release;
    return { arrived, release };
  }

  async close(): Promise<void> {
    this.release?.();
    const { server } = this;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const reply = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'SUCCESS', message: 'Success', results: body }));
    };
    if (req.method === 'POST' && url.pathname === '/send/message') {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { phone: string; message: string };
      const sent = this.history.record(this.node, body.phone, body.message);
      const held = this.held;
      if (held) {
        this.held = null;
        held.arrive();
        await held.released;
      }
      reply({ message_id: sent.id, status: 'sent' });
      return;
    }
    const chat = /^\/chat\/([^/]+)\/messages$/.exec(url.pathname);
    if (req.method === 'GET' && chat) {
      const jid = decodeURIComponent(chat[1] ?? '');
      const from = Date.parse(url.searchParams.get('start_time') ?? '') || 0;
      const data = this.history.sent
        .filter((s) => s.chat === jid && s.at >= from)
        .reverse()
        .map((s) => ({ id: s.id, content: s.text, media_type: '', is_from_me: true, timestamp: new Date(s.at).toISOString() }));
      reply({ data, pagination: { total: data.length } });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'NOT_FOUND', message: 'no such route', results: null }));
  }
}

const SETTINGS: OutboxSettings = {
  defaultPolicy: { concurrency: 1, interval: 0, intervalCap: 1 },
  ttlMs: 10 * 60_000,
  sendTimeoutMs: 5000,
  maxAttempts: 5,
  retry: { baseDelayMs: 50, maxDelayMs: 200, jitter: 0 },
  timelockPauseMs: 60_000,
  verifyDelayMs: 100,
  sweepIntervalMs: 100,
};

function queueSettings(): QueueSettingsStore {
  const rows = new Map<string, { pausedUntil: number | null; pauseReason: string | null; queuePolicy: null }>();
  return {
    get: (phoneNumber) => rows.get(phoneNumber),
    update: (phoneNumber, patch) => rows.set(phoneNumber, { pausedUntil: patch.pausedUntil ?? null, pauseReason: patch.pauseReason ?? null, queuePolicy: null }),
  };
}

export interface OutboxNode {
  readonly name: string;
  readonly outbox: Outbox<'async'>;
  readonly store: PgOutboxStore;
  readonly child: StandInChild;
  close(): Promise<void>;
}

/** A node's outbox: its own pool on the shared database, its ownership core's fences and gate, its child. */
export async function outboxNode(url: string, node: ClusterNode, name: string, history: History): Promise<OutboxNode> {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: `test:${name}:outbox` });
  const child = new StandInChild(name, history);
  await child.start();
  const mediaDir = fs.mkdtempSync(path.join(os.tmpdir(), `wa-gw-outbox-${name}-`));
  const store = new PgOutboxStore(pgDatabase(pool), node.ownership);
  const children = new TypedEmitter<SupervisorEvents>();
  const outbox = new Outbox<'async'>({
    store,
    gate: ownerGate(node.ownership),
    devices: queueSettings(),
    supervisor: { events: children.view, runner: (phoneNumber) => ({ state: 'running', client: child.client(phoneNumber) }) },
    media: new MediaStore(mediaDir, createLogger('silent')),
    clock: systemClock,
    logger: createLogger(process.env['TEST_LOG_LEVEL'] === 'debug' ? 'debug' : 'silent'),
    settings: SETTINGS,
  });
  const unfollow = followOwnership(outbox, node.ownership);
  await outbox.start();
  for (const [phoneNumber, held] of node.ownership.held()) if (held.kind === 'owned') outbox.acquired(phoneNumber);
  return {
    name,
    outbox,
    store,
    child,
    async close() {
      unfollow();
      await outbox.close();
      await child.close();
      await pool.end();
      fs.rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
