import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ProcessLogs } from '../../src/supervisor/process-logs.js';

describe('per-number process logs', () => {
  it('keeps the newest lines in memory and caps the file by rotating it once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-logs-'));
    const logs = new ProcessLogs(dir, 5, 2000);
    for (let i = 0; i < 100; i++) logs.append('stdout', `line ${i} ${'x'.repeat(40)}`);
    expect(logs.tail(3).map((l) => l.line.split(' ')[1])).toEqual(['97', '98', '99']);
    expect(logs.tail(50)).toHaveLength(5);
    const current = fs.statSync(path.join(dir, 'process.log')).size;
    const rotated = fs.statSync(path.join(dir, 'process.log.1')).size;
    expect(current).toBeLessThanOrEqual(2000);
    expect(rotated).toBeLessThanOrEqual(2000);
    expect(fs.readdirSync(dir).sort()).toEqual(['process.log', 'process.log.1']);
    expect(fs.readFileSync(path.join(dir, 'process.log'), 'utf8')).toContain('line 99');
  });

  it.each([
    ['panic: unknown database type: postgresql://wa_1:s3cr3t-pw@127.0.0.1:5432/gw?sslmode=disable', 'postgresql://wa_1:***@127.0.0.1:5432/gw?sslmode=disable'],
    ['dial postgres://u:p%40ss@db/x failed', 'postgres://u:***@db/x'],
    ['token=abc at https://example.com/a:b@c', 'https://example.com/a:b@c'],
  ])('never keeps a password from a URL: %s', (line, kept) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-logs-'));
    const logs = new ProcessLogs(dir, 5, 2000);
    logs.append('stderr', line);
    expect(logs.tail(1)[0]?.line).toContain(kept);
    const file = fs.readFileSync(path.join(dir, 'process.log'), 'utf8');
    expect(file).toContain(kept);
    expect(file).not.toMatch(/s3cr3t|p%40ss/);
  });
});
