import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, workerPortRange } from '../helpers/gateway.js';

/**
 * `npm run bench` end to end, as small as it goes: the proxy scenario with one-second loads starts its own
 * gateway, stand-in and reference pass-through, prints the table (and the gateway's event-loop delay per phase) and stops everything it started (a process left
 * behind makes it exit 1). `--no-save` leaves bench/results.json and BENCHMARKS.md alone.
 */
describe('npm run bench', () => {
  it('measures the proxy scenario and prints every figure with its verdict', async () => {
    const results = path.join(ROOT, 'bench', 'results.json');
    const before = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null;
    const { base, max } = workerPortRange();
    const args = ['--only', 'proxy', '--duration', '1', '--rounds', '1', '--connections', '2', '--no-save', '--ports', `${base}-${max}`];
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js'), ...args], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const figure = (label: string): RegExpMatchArray | null => new RegExp(`^proxy\\s+${label}\\s+([0-9.]+) ?(req/s|×|ms)\\s*(.*)$`, 'm').exec(stdout);
    for (const label of ['direct to the child', 'through /proxy/whatsapp', 'reference: bare Node.js pass-through']) {
      expect(Number(figure(label)?.[1])).toBeGreaterThan(0);
    }
    expect(figure('throughput ratio proxied/direct')?.[3]).toMatch(/^≥ 0\.85×\s+(met|MISSED)$/);
    expect(figure('added latency p50')?.[3]).toMatch(/^≤ 0\.5 ms\s+(met|MISSED)$/);
    // Progress on stderr: the gateway's event-loop delay over the measured phase, from its own /metrics.
    expect(stderr).toMatch(/proxy-round1: gateway event-loop delay p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms/);
    expect(fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null).toBe(before);
  }, 120_000);
});
