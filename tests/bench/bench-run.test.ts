import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, workerPortRange } from '../helpers/gateway.js';

/**
 * `npm run bench` end to end, as small as it goes: every scenario with two numbers and one-second loads starts
 * its own gateway, stand-ins (and the reference pass-through), prints the table and the gateway's event-loop
 * delay per phase, and stops everything it started (a process left behind makes it exit 1). `--no-save` leaves
 * bench/results.json and BENCHMARKS.md alone.
 */
describe('npm run bench', () => {
  it('runs every scenario and prints every figure with its verdict', async () => {
    const results = path.join(ROOT, 'bench', 'results.json');
    const before = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null;
    const { base, max } = workerPortRange();
    const args = [
      ...['--only', 'proxy,send,restore,fanout,memory,conversations,chatwoot', '--numbers', '2', '--duration', '1', '--no-save', '--ports', `${base}-${max}`],
      ...['--connections', '2', '--rounds', '1', '--send-connections', '2', '--send-rate', '10', '--restore-sizes', '2'],
      ...['--fanout-clients', '2', '--fanout-rates', '20', '--fanout-duration', '1', '--memory-sizes', '0,2', '--memory-settle', '0'],
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
      new RegExp(`^${scenario}\\s+${label}\\s+([0-9.]+) ?(req/s|msg/s|events/s|numbers|messages|×|ms|MB|s)\\s*(.*)$`, 'm').exec(stdout);
    const judged: [string, string, RegExp][] = [
      ['proxy', 'throughput ratio proxied/direct', /^≥ 0\.85×\s+(met|MISSED)$/],
      ['proxy', 'added latency p50', /^≤ 0\.5 ms\s+(met|MISSED)$/],
      ['send', 'accepted \\(202\\) per second', /^≥ 2000 msg\/s\s+(met|MISSED)$/],
      ['send', 'added by the gateway p50 at 10 msg/s', /^≤ 5 ms\s+(met|MISSED)$/],
      ['restore', '2 numbers: failures', /^≤ 0 numbers\s+met$/],
      ['fanout', 'events/s kept up with p99 ≤ 50 ms', /^≥ 10000 events\/s\s+(met|MISSED)$/],
      ['memory', 'gateway RSS with 0 numbers', /^≤ 150 MB\s+(met|MISSED)$/],
      ['memory', 'slope per supervised number', /^≤ 0\.3 MB\s+(met|MISSED)$/],
      ['conversations', 'store CPU per inbound event \\(journal \\+ store − journal\\)', /^≤ 0\.2 ms\s+(met|MISSED)$/],
      ['conversations', 'chat list p99', /^≤ 50 ms\s+(met|MISSED)$/],
      ['conversations', 'chat messages page p99 \\(newest and older pages\\)', /^≤ 50 ms\s+(met|MISSED)$/],
      ['conversations', 'search common word \\("hello"\\) p99', /^≤ 50 ms\s+(met|MISSED)$/],
      ['conversations', 'search rare word \\("zanzibar"\\) p99', /^≤ 50 ms\s+(met|MISSED)$/],
      ['chatwoot', 'duplicates in Chatwoot', /^≤ 0 messages\s+met$/],
    ];
    for (const [scenario, label, verdict] of judged) expect({ label, verdict: figure(scenario, label)?.[3] }).toEqual({ label, verdict: expect.stringMatching(verdict) });
    for (const [scenario, label] of [
      ['proxy', 'direct to the child'],
      ['proxy', 'through /proxy/whatsapp'],
      ['proxy', 'reference: bare Node.js pass-through'],
      ['send', 'accepted and sent to the children, end to end'],
      ['restore', '2 numbers: start → all running'],
      ['restore', '2 numbers: stand-ins alone \\(floor\\)'],
      ['fanout', 'Socket.IO deliveries/s at that rate'],
      ['conversations', 'messages in the store'],
      ['conversations', 'inbound → stored and published p50 at 20/s'],
      ['conversations', 'inbox page p50 \\(2 numbers\\)'],
      ['conversations', 'database growth per million messages'],
      ['chatwoot', 'WhatsApp → Chatwoot p50 at 10 msg/s'],
      ['chatwoot', 'Chatwoot → child p50 at 5 replies/s'],
    ] as const) {
      expect({ label, value: Number(figure(scenario, label)?.[1]) }).toEqual({ label, value: expect.any(Number) });
      expect({ label, positive: Number(figure(scenario, label)?.[1]) > 0 }).toEqual({ label, positive: true });
    }
    // Progress on stderr: the gateway's event-loop delay over each measured phase, from its own /metrics.
    for (const phase of ['proxy-round1', 'send-throughput', 'restore-2', 'fanout-stand-ins-20', 'conversations-ingest', 'conversations-reads', 'chatwoot-to-chatwoot', 'chatwoot-to-whatsapp']) {
      expect(stderr).toMatch(new RegExp(`${phase}: gateway event-loop delay p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms`));
    }
    expect(fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null).toBe(before);
  }, 240_000);
});
