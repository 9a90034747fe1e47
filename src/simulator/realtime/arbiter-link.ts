/**
 * The stand-in's stand-in for WhatsApp's servers: with `SIM_ARBITER_URL` set, each logged-in device holds a
 * WebSocket to the fake WhatsApp arbiter (`bin/whatsapp-arbiter`, docs/arbiter.md) for as long as it is
 * connected, the way whatsmeow holds its socket to WhatsApp. The arbiter records who was connected when, and may
 * answer a second connection of the same device with `stream-replaced`: the binary then exits 0 at once
 * (docs/binary-contract.md §3), and so does the stand-in. Without the variable nothing here runs.
 */
import { createRequire } from 'node:module';
import type { WebSocket } from 'ws';
import type { ArbiterSettings } from '../config/config.js';
import type { Logger } from '../lib/logger.js';

const requireCjs = createRequire(import.meta.url);

export interface ArbiterIdentity extends ArbiterSettings {
  readonly pid: number;
}

export interface LinkedDevice {
  readonly slotId: string;
  /** AD JID of the session: WhatsApp replaces a stream per device, so this is the arbiter's key. */
  readonly adJid: string;
}

export class ArbiterLink {
  private readonly sockets = new Map<string, { adJid: string; ws: WebSocket }>();

  constructor(
    private readonly identity: ArbiterIdentity,
    private readonly logger: Logger,
    /** WhatsApp said the session was opened elsewhere. */
    private readonly onStreamReplaced: (adJid: string) => void,
  ) {}

  connect(device: LinkedDevice): void {
    const current = this.sockets.get(device.slotId);
    if (current?.adJid === device.adJid) return;
    if (current) this.disconnect(device.slotId);
    const { WebSocket: Client } = requireCjs('ws') as typeof import('ws');
    const ws = new Client(this.connectUrl(device.adJid));
    this.sockets.set(device.slotId, { adJid: device.adJid, ws });
    ws.on('message', (data) => {
      let frame: { type?: unknown };
      try {
        frame = JSON.parse(data.toString()) as { type?: unknown };
      } catch {
        return;
      }
      if (frame.type === 'stream-replaced') this.onStreamReplaced(device.adJid);
    });
    ws.on('error', (err) => this.logger.warn(`[ARBITER] connection of ${device.adJid} failed: ${err.message}`));
    ws.on('close', () => {
      if (this.sockets.get(device.slotId)?.ws === ws) this.sockets.delete(device.slotId);
    });
  }

  disconnect(slotId: string): void {
    const current = this.sockets.get(slotId);
    if (!current) return;
    this.sockets.delete(slotId);
    current.ws.close(1000, 'disconnect');
  }

  /** A message went out through this device's socket (the arbiter counts what WhatsApp received). */
  reportSend(slotId: string, messageId: string, to: string): void {
    const current = this.sockets.get(slotId);
    if (current?.ws.readyState === current?.ws.OPEN) current?.ws.send(JSON.stringify({ type: 'send', id: messageId, to }));
  }

  /** Shutdown: every socket is closed, and the close frames are flushed (bounded by `timeoutMs`). */
  closeAll(timeoutMs: number): Promise<void> {
    const closing = [...this.sockets.values()].map(({ ws }) => new Promise<void>((resolve) => {
      if (ws.readyState === ws.CLOSED) return resolve();
      ws.once('close', () => resolve());
      ws.close(1000, 'shutdown');
    }));
    this.sockets.clear();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    return Promise.race([Promise.all(closing).then(() => undefined), deadline]);
  }

  private connectUrl(adJid: string): string {
    const base = new URL('/connect', this.identity.url.replace(/^http/, 'ws'));
    base.searchParams.set('device', adJid);
    base.searchParams.set('node', this.identity.node);
    base.searchParams.set('pid', String(this.identity.pid));
    if (this.identity.fence !== null) base.searchParams.set('fence', String(this.identity.fence));
    return base.toString();
  }
}
