import { describe, expect, it } from '@jest/globals';
import { Registry, type ConnectInfo } from '../../src/arbiter/registry.js';

const device = (n: number): string => `628111:${n}@s.whatsapp.net`;
const info = (node: string, d = device(5)): ConnectInfo => ({ device: d, node, pid: null, fence: null });

function clocked(mode: 'kick' | 'detect'): { registry: Registry; at: (ms: number) => void } {
  let now = 0;
  return { registry: new Registry(mode, () => now), at: (ms) => void (now = ms) };
}

describe('the arbiter\'s registry', () => {
  it('detect: one overlap per stretch with two or more connections, however many join it', () => {
    const { registry, at } = clocked('detect');
    at(10);
    const a = registry.connect(info('n1')).connection;
    at(20);
    const b = registry.connect(info('n2')).connection;
    at(25);
    const c = registry.connect(info('n3')).connection;
    at(30);
    registry.disconnect(b.id);
    expect(registry.overlapList()).toMatchObject([{ startMs: 20, endMs: null, durationMs: 10 }]);
    at(42);
    registry.disconnect(c.id);
    at(50);
    registry.connect(info('n4', device(6)));
    expect(registry.overlapList()).toEqual([
      expect.objectContaining({ device: device(5), jid: '628111@s.whatsapp.net', startMs: 20, endMs: 42, durationMs: 22, connections: [a, b, c] }),
    ]);
    expect(registry.connections().map((x) => x.node)).toEqual(['n1', 'n4']);
  });

  it('kick: the new connection replaces every older one of the device at the same instant, other devices untouched', () => {
    const { registry, at } = clocked('kick');
    const a = registry.connect(info('n1')).connection;
    const other = registry.connect(info('n1', device(7))).connection;
    at(5);
    const { connection: b, replaced } = registry.connect(info('n2'));
    expect(replaced).toEqual([a]);
    expect(registry.overlapList()).toEqual([]);
    expect(registry.connections()).toEqual([other, b]);
    expect(registry.eventsSince(2).map((e) => [e.seq, e.type, e.connection.id, e.ms])).toEqual([[3, 'disconnect', a.id, 5], [4, 'connect', b.id, 5]]);
    // The replaced socket closing later records nothing more.
    registry.disconnect(a.id);
    expect(registry.eventsSince(0)).toHaveLength(4);
  });
});
