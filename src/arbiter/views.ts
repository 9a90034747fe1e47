/** The arbiter's HTTP answers (snake_case, like the stand-in's control API); times are monotonic milliseconds. */
import type { ArbiterEvent, Connection, Overlap } from './registry.js';

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export function connectionView(c: Connection): Record<string, unknown> {
  return { id: c.id, device: c.device, jid: c.jid, node: c.node, pid: c.pid, fence: c.fence, connected_ms: round(c.connectedMs) };
}

export function eventView(e: ArbiterEvent): Record<string, unknown> {
  const base = { seq: e.seq, type: e.type, ms: round(e.ms), ...connectionView(e.connection), connection_id: e.connection.id };
  delete (base as { id?: unknown }).id;
  if (e.type === 'disconnect') return { ...base, reason: e.reason };
  if (e.type === 'send') return { ...base, message_id: e.messageId, to: e.to };
  return base;
}

export function overlapsView(mode: string, overlaps: readonly Overlap[]): Record<string, unknown> {
  const durations = overlaps.map((o) => o.durationMs);
  return {
    mode,
    count: overlaps.length,
    devices: new Set(overlaps.map((o) => o.device)).size,
    max_ms: round(Math.max(0, ...durations)),
    total_ms: round(durations.reduce((sum, d) => sum + d, 0)),
    overlaps: overlaps.map((o) => ({
      device: o.device,
      jid: o.jid,
      start_ms: round(o.startMs),
      end_ms: o.endMs === null ? null : round(o.endMs),
      duration_ms: round(o.durationMs),
      ongoing: o.endMs === null,
      nodes: [...new Set(o.connections.map((c) => c.node))],
      connections: o.connections.map(connectionView),
    })),
  };
}
