import { describe, expect, it } from '@jest/globals';
import { parseArgs } from '../../bench/lib/args.js';
import { breakdownProfile } from '../../bench/lib/profile-breakdown.js';
import { summariseProfile } from '../../bench/lib/profile-summary.js';
import { renderSection, type ResultsFile } from '../../bench/lib/report.js';
import { distribution, linearFit, percentile } from '../../bench/lib/stats.js';
import { figure } from '../../bench/scenarios/types.js';
import { frameKind, frameTimestamp } from '../../bench/responder/lean-socket.js';

/** The arithmetic and judging behind every published figure. */
describe('benchmark figures', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(distribution([3, 1, 2, 10])).toMatchObject({ count: 4, p50: 2, p99: 10, max: 10, mean: 4 });
  });

  it('fits the memory slope by least squares', () => {
    const fit = linearFit([0, 50, 100, 200].map((x) => ({ x, y: 80 + 0.25 * x })));
    expect(fit.slope).toBeCloseTo(0.25, 10);
    expect(fit.intercept).toBeCloseTo(80, 10);
  });

  it('judges a figure against its target, and never passes a figure that is not a number', () => {
    expect(figure('rps', 'throughput', 0.9, '×', { op: '>=', value: 0.85 }).met).toBe(true);
    expect(figure('rps', 'throughput', 0.5, '×', { op: '>=', value: 0.85 }).met).toBe(false);
    expect(figure('p50', 'added p50', 0.5, 'ms', { op: '<=', value: 0.5 }).met).toBe(true);
    expect(figure('p50', 'added p50', NaN, 'ms', { op: '<=', value: 0.5 }).met).toBe(false);
    expect(figure('info', 'not judged', 3, 'ms').met).toBeUndefined();
  });

  it('renders the BENCHMARKS.md section with the machine, the commit and each verdict', () => {
    const meta = { date: '2026-11-22T01:02:03.000Z', commit: 'abc1234', node: 'v20.20.2', cores: 2, cpu: 'AMD EPYC', memoryGb: 24, os: 'Linux', loadAverage: [0.5, 0.25, 0.125] };
    const file = {
      meta,
      scenarios: {
        proxy: { scenario: 'proxy', title: 'Proxy', ranAt: meta.date, params: {}, details: {}, meta, figures: [figure('ratio', 'throughput ratio', 0.1, '×', { op: '>=', value: 0.85 })] },
        memory: { scenario: 'memory', title: 'Memory', ranAt: meta.date, params: {}, details: {}, meta, figures: [figure('slope', 'slope per number', 0.2, 'MB', { op: '<=', value: 0.3 })] },
      },
    } as unknown as ResultsFile;
    const section = renderSection(file, ['proxy', 'memory']);
    expect(section).toContain('- **proxy, memory**: 2026-11-22 01:02 UTC, commit `abc1234`, Node v20.20.2, 2 × AMD EPYC, 24 GB, Linux; load average at start 0.50 / 0.25 / 0.13');
    expect(section).toMatch(/\| proxy \| throughput ratio \| 0\.1\d*× \| ≥ 0\.85× \| MISSED \|/);
    expect(section).toMatch(/\| memory \| slope per number \| 0\.2\d* MB \| ≤ 0\.3 MB \| met \|/);
  });

  it('reads options from flags and BENCH_* variables, and refuses unknown ones', () => {
    const args = parseArgs(['--only', 'proxy,memory', '--duration', '3'], { BENCH_ROUNDS: '5' });
    expect(args).toMatchObject({ only: ['proxy', 'memory'], duration: 3, rounds: 5 });
    expect(() => parseArgs(['--only', 'nonsense'], {})).toThrow(/nonsense/);
    expect(() => parseArgs(['--no-such-flag'], {})).toThrow(/no-such-flag/);
  });

  it('summarises a CPU profile by owner (package, Node.js module, our file, native work) without the idle time', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('writev', '') },
        { id: 3, callFrame: frame('next', 'file:///app/node_modules/router/index.js') },
        { id: 4, callFrame: frame('record', 'file:///app/dist/events/journal.js') },
        { id: 5, callFrame: frame('emit', 'node:events') },
      ],
      samples: [1, 2, 2, 3, 4, 5, 1],
      timeDeltas: [5000, 1000, 1000, 1000, 500, 500, 5000],
    };
    const lines = summariseProfile(profile, 3);
    expect(lines[0]).toBe('busy 4 ms; self time by owner:');
    expect(lines.slice(1, 4)).toEqual([' 50.0 %  (native) writev', ' 25.0 %  router', ' 12.5 %  events/journal.js']);
    expect(lines[4]).toBe('busiest functions:');
    expect(lines[6]).toBe(' 25.0 %  next (router:10)');
    expect(summariseProfile({ nodes: profile.nodes, samples: [1], timeDeltas: [10] })).toEqual(['no busy samples']);
  });

  it('attributes profile time to the innermost gateway stage, then to a known package, with its leaf work', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const nodes = [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 6, 8] },
      { id: 2, callFrame: frame('accept', 'file:///app/dist/webhooks/inbound.js'), children: [3] },
      { id: 3, callFrame: frame('record', 'file:///app/dist/realtime/event-journal.js'), children: [4, 5] },
      { id: 4, callFrame: frame('run', '') },
      { id: 5, callFrame: frame('publish', 'file:///app/dist/realtime/socket-server.js'), children: [7] },
      { id: 6, callFrame: frame('onPacket', 'file:///app/node_modules/engine.io/build/socket.js') },
      { id: 7, callFrame: frame('writev', '') },
      { id: 8, callFrame: frame('(idle)', '') },
    ];
    const result = breakdownProfile({ nodes, samples: [4, 4, 7, 6, 8], timeDeltas: [1000, 1000, 1000, 1000, 9000] });
    expect(result.busyMs).toBe(4);
    expect(result.stages).toEqual([
      { stage: 'journal (number, store)', percent: 50, leaves: { SQLite: 100 } },
      { stage: 'Socket.IO publish (serialise, per-client writes)', percent: 50, leaves: { 'socket writes': 50 } },
    ]);
  });

  it('reads the kind and the gateway timestamp of a Socket.IO frame without parsing it', () => {
    // What socket.io-parser writes for an event (`2` + JSON of [name, ...args]) after Engine.IO's message type `4`.
    const frame = (message: Record<string, unknown>) =>
      Buffer.from(`42${JSON.stringify(['whatsapp-websocket-message', { phoneNumber: '5511900000001', port: 8500, message, timestamp: '2026-11-22T01:02:03.456Z' }])}`);
    expect(frameKind(frame({ type: 'ack', ids: ['3EB0'], seq: 1 }))).toBe('ack');
    expect(frameKind(frame({ type: 'message', payload: { body: 'hi' }, seq: 2 }))).toBe('message');
    expect(frameKind(frame({ type: 'status', seq: 3 }))).toBe('other');
    expect(frameKind(Buffer.from('42["device-websocket-message",{"message":{"type":"ack"}}]'))).toBe('other');
    expect(frameTimestamp(frame({ type: 'ack' }))).toBe(Date.parse('2026-11-22T01:02:03.456Z'));
    expect(frameTimestamp(Buffer.from('42["whatsapp-websocket-message",{"message":{"type":"ack"}}]'))).toBeNaN();
  });
});
