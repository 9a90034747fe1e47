import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, workerPortRange } from '../helpers/gateway.js';

/**
 * `npm run bench` end to end, as small as it goes: every scenario with two numbers and one-second loads starts
 * its own gateway, stand-ins (or, for the isolated-capacity scenario, the responder hub, its shims and the
 * Socket.IO sink; and the reference pass-through), prints the table and the gateway's event-loop delay per
 * phase, and stops everything it started (a process left behind makes it exit 1). `--no-save` leaves
 * bench/results.json and BENCHMARKS.md alone.
 */
describe('npm run bench', () => {
  it('runs every scenario and prints every figure with its verdict', async () => {
    const results = path.join(ROOT, 'bench', 'results.json');
    const before = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null;
    const { base, max } = workerPortRange();
    const args = [
      ...['--only', 'proxy,send,capacity,restore,fanout,memory,conversations,access,chatwoot', '--numbers', '2', '--duration', '1', '--no-save', '--ports', `${base}-${max}`],
      ...['--access-keys', '200', '--access-checks', '500', '--access-audit-rows', '200'],
      ...['--connections', '2', '--rounds', '1', '--send-connections', '2', '--send-rate', '10', '--restore-sizes', '2'],
      ...['--fanout-clients', '2', '--fanout-rates', '20', '--fanout-duration', '1', '--memory-sizes', '0,2', '--memory-settle', '0'],
      ...['--capacity-rates', '10', '--capacity-fanout-rates', '20', '--capacity-duration', '1'],
      ...['--conv-numbers', '2', '--conv-messages', '3000', '--conv-chats', '10', '--conv-rate', '20', '--conv-duration', '1', '--conv-queries', '10'],
      ...['--chatwoot-numbers', '2', '--chatwoot-rate', '10', '--chatwoot-reply-rate', '5'],
    ];
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js'), ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const figure = (scenario: string, label: string): RegExpMatchArray | null =>
      new RegExp(`^${scenario}\\s+${label}\\s+([0-9.]+) ?(req/s|msg/s|events/s|numbers|messages|×|ms|µs|MB|s)\\s*(.*)$`, 'm').exec(stdout);
    const judged: [string, string, RegExp][] = [
      ['proxy', 'gateway hop/bare pass-through throughput', /^≥ 0\.8×\s+(met|MISSED)$/],
      ['proxy', 'added latency p50, one connection', /^≤ 0\.3 ms\s+(met|MISSED)$/],
      ['send', 'accept path: accepted/s with 2 connections \\(nothing sent: numbers stopped\\)', /^≥ 2000 msg\/s\s+(met|MISSED)$/],
      ['send', 'added by the gateway p50 at 10 msg/s', /^≤ 5 ms\s+(met|MISSED)$/],
      ['capacity', 'messages/s end to end the gateway keeps up with', /^≥ 1000 msg\/s\s+(met|MISSED)$/],
      ['capacity', 'gateway CPU per message \\(at 10 msg/s\\)', /^≤ 1 ms\s+(met|MISSED)$/],
      ['capacity', 'gateway alone: events/s to 2 clients kept up with p99 ≤ 50 ms', /^≥ 5000 events\/s\s+(met|MISSED)$/],
      ['restore', '2 numbers: failures', /^≤ 0 numbers\s+met$/],
      ['restore', '2 numbers: ratio to the floor', /^≤ 1\.15×\s+(met|MISSED)$/],
      ['fanout', 'latency p99 at the highest rate', /^≤ 100 ms\s+(met|MISSED)$/],
      ['memory', 'gateway RSS with 0 numbers', /^≤ 150 MB\s+(met|MISSED)$/],
      ['memory', 'slope per supervised number', /^≤ 0\.3 MB\s+(met|MISSED)$/],
      ['conversations', 'store CPU per inbound event \\(journal \\+ store − journal\\)', /^≤ 0\.2 ms\s+(met|MISSED)$/],
      ['conversations', 'chat list p99', /^≤ 50 ms\s+(met|MISSED)$/],
      ['conversations', 'chat messages page p99 \\(newest and older pages\\)', /^≤ 50 ms\s+(met|MISSED)$/],
      ['conversations', 'search common word \\("hello"\\) p99', /^≤ 50 ms\s+(met|MISSED)$/],
      ['conversations', 'search rare word \\("zanzibar"\\) p99', /^≤ 50 ms\s+(met|MISSED)$/],
      ['proxy', 'throughput API key/JWT through the proxy', /^≥ 0\.95×\s+(met|MISSED)$/],
      ['send', 'throughput API key/JWT on sends', /^≥ 0\.95×\s+(met|MISSED)$/],
      ['proxy', 'gateway CPU per proxied request, API key/JWT', /^≤ 1\.05×\s+(met|MISSED)$/],
      ['send', 'gateway CPU per accepted send, API key/JWT', /^≤ 1\.05×\s+(met|MISSED)$/],
      ['access', "API key check p50, the key's first use \\(HMAC\\)", /^≤ 20 µs\s+(met|MISSED)$/],
      ['access', 'API key check p50, 200 keys stored', /^≤ 20 µs\s+(met|MISSED)$/],
      ['access', 'gateway CPU per audit row', /^≤ 0\.1 ms\s+(met|MISSED)$/],
      ['access', 'refusal timing gap p50: unknown id vs wrong secret', /^≤ 1 µs\s+(met|MISSED)$/],
      ['chatwoot', 'duplicates in Chatwoot', /^≤ 0 messages\s+met$/],
    ];
    for (const [scenario, label, verdict] of judged) expect({ label, verdict: figure(scenario, label)?.[3] }).toEqual({ label, verdict: expect.stringMatching(verdict) });
    for (const [scenario, label] of [
      ['proxy', 'direct to the child'],
      ['proxy', 'through /proxy/whatsapp'],
      ['proxy', 'reference: bare Node.js pass-through'],
      ['send', 'accepted and sent to the children, end to end'],
      ['capacity', 'highest messages/s end to end \\(any drain\\)'],
      ['capacity', 'gateway alone: highest events/s \\(any latency\\)'],
      ['restore', '2 numbers: start → all running'],
      ['restore', '2 numbers: stand-ins alone \\(floor\\)'],
      // Not the kept-up figures: whether a step keeps up depends on the machine's load, which a test must not judge.
      ['fanout', 'highest events/s the stand-ins reach \\(any latency\\)'],
      ['conversations', 'messages in the store'],
      ['conversations', 'inbound → stored and published p50 at 20/s'],
      ['conversations', 'inbox page p50 \\(2 numbers\\)'],
      ['conversations', 'database growth per million messages'],
      ['proxy', 'through /proxy/whatsapp with an API key'],
      ['send', 'accepted per second with an API key \\(idle numbers, alternating runs\\)'],
      ['chatwoot', 'WhatsApp → Chatwoot p50 at 10 msg/s'],
      ['chatwoot', 'Chatwoot → child p50 at 5 replies/s'],
    ] as const) {
      const value = Number(figure(scenario, label)?.[1]);
      expect({ label, value, positive: value > 0 }).toEqual({ label, value: expect.any(Number), positive: true });
    }
    // Progress on stderr: the gateway's event-loop delay over each measured phase, from its own /metrics.
    for (const phase of ['proxy-round1', 'send-throughput', 'capacity-send-10', 'capacity-fanout-20', 'restore-2', 'fanout-stand-ins-20', 'conversations-ingest', 'conversations-reads', 'chatwoot-to-chatwoot', 'chatwoot-to-whatsapp']) {
      expect(stderr).toMatch(new RegExp(`${phase}: gateway event-loop delay p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms`));
    }
    expect(fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null).toBe(before);
  }, 240_000);
});
