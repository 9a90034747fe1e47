/**
 * What the fake WhatsApp servers know: which device sessions are connected from where, since when, and every
 * connect, disconnect and send in order, on a monotonic clock. In `kick` mode a second connection of a device
 * replaces the first (WhatsApp's `StreamReplaced`): both are never registered at once. In `detect` mode nobody is
 * kicked, and every stretch during which a device had two or more connections is an overlap.
 */
export type ArbiterMode = 'kick' | 'detect';
export const ARBITER_MODES: readonly ArbiterMode[] = ['kick', 'detect'];

export type DisconnectReason = 'closed' | 'replaced';

export interface ConnectInfo {
  /** AD JID of the session, `628123:12@s.whatsapp.net`: WhatsApp replaces streams per device. */
  readonly device: string;
  readonly node: string;
  readonly pid: number | null;
  readonly fence: number | null;
}

export interface Connection extends ConnectInfo {
  readonly id: number;
  /** The phone JID, `628123@s.whatsapp.net`. */
  readonly jid: string;
  readonly connectedMs: number;
}

export type ArbiterEvent =
  | { readonly seq: number; readonly type: 'connect'; readonly ms: number; readonly connection: Connection }
  | { readonly seq: number; readonly type: 'disconnect'; readonly ms: number; readonly connection: Connection; readonly reason: DisconnectReason }
  | { readonly seq: number; readonly type: 'send'; readonly ms: number; readonly connection: Connection; readonly messageId: string; readonly to: string };

/** An event before it gets its sequence number (Omit over each member of the union). */
type NewEvent = ArbiterEvent extends infer E ? (E extends ArbiterEvent ? Omit<E, 'seq'> : never) : never;

export interface Overlap {
  readonly device: string;
  readonly jid: string;
  readonly startMs: number;
  /** null while it lasts. */
  readonly endMs: number | null;
  /** Up to now while it lasts. */
  readonly durationMs: number;
  /** Every connection that was open during it. */
  readonly connections: readonly Connection[];
}

interface OpenOverlap {
  readonly device: string;
  readonly startMs: number;
  endMs: number | null;
  readonly connections: Map<number, Connection>;
}

export class Registry {
  private readonly open = new Map<number, Connection>();
  private readonly events: ArbiterEvent[] = [];
  private readonly overlaps: OpenOverlap[] = [];
  private readonly current = new Map<string, OpenOverlap>();
  private nextId = 1;

  constructor(
    readonly mode: ArbiterMode,
    /** Monotonic milliseconds. */
    private readonly now: () => number,
  ) {}

  /** Registers a connection; in kick mode, returns the older connections of the device it replaced. */
  connect(info: ConnectInfo): { connection: Connection; replaced: Connection[] } {
    const ms = this.now();
    const connection: Connection = { ...info, id: this.nextId++, jid: phoneJid(info.device), connectedMs: ms };
    const older = this.openOf(info.device);
    const replaced = this.mode === 'kick' ? older : [];
    for (const old of replaced) this.remove(old, 'replaced', ms);
    this.open.set(connection.id, connection);
    this.push({ type: 'connect', ms, connection });
    const others = this.openOf(info.device).filter((c) => c.id !== connection.id);
    if (others.length > 0) this.noteOverlap(info.device, [...others, connection], ms);
    return { connection, replaced };
  }

  disconnect(id: number, reason: DisconnectReason = 'closed'): void {
    const connection = this.open.get(id);
    if (connection) this.remove(connection, reason, this.now());
  }

  send(id: number, messageId: string, to: string): void {
    const connection = this.open.get(id);
    if (connection) this.push({ type: 'send', ms: this.now(), connection, messageId, to });
  }

  connections(): Connection[] {
    return [...this.open.values()];
  }

  eventsSince(seq: number): ArbiterEvent[] {
    return this.events.filter((event) => event.seq > seq);
  }

  overlapList(): Overlap[] {
    const now = this.now();
    return this.overlaps.map((o) => ({
      device: o.device,
      jid: phoneJid(o.device),
      startMs: o.startMs,
      endMs: o.endMs,
      durationMs: (o.endMs ?? now) - o.startMs,
      connections: [...o.connections.values()],
    }));
  }

  private remove(connection: Connection, reason: DisconnectReason, ms: number): void {
    this.open.delete(connection.id);
    this.push({ type: 'disconnect', ms, connection, reason });
    const overlap = this.current.get(connection.device);
    if (overlap && this.openOf(connection.device).length < 2) {
      overlap.endMs = ms;
      this.current.delete(connection.device);
    }
  }

  private noteOverlap(device: string, connections: Connection[], ms: number): void {
    let overlap = this.current.get(device);
    if (!overlap) {
      overlap = { device, startMs: ms, endMs: null, connections: new Map() };
      this.current.set(device, overlap);
      this.overlaps.push(overlap);
    }
    for (const c of connections) overlap.connections.set(c.id, c);
  }

  private openOf(device: string): Connection[] {
    return [...this.open.values()].filter((c) => c.device === device);
  }

  private push(event: NewEvent): void {
    this.events.push({ ...event, seq: this.events.length + 1 });
  }
}

/** A device JID as the stand-in sends it: `628123:12@s.whatsapp.net` (the device part optional). */
export const DEVICE_JID = /^[0-9]{5,20}(?::[0-9]{1,3})?@s\.whatsapp\.net$/;

export function phoneJid(device: string): string {
  return device.replace(/:[0-9]+@/, '@');
}
