import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { spawnChild } from '../../src/supervisor/child-process.js';

describe('child output', () => {
  it('is read line by line, with runaway lines cut so one child cannot grow the gateway', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-child-'));
    const binary = path.join(dir, 'noisy');
    fs.writeFileSync(binary, `#!/bin/sh\necho "first"\nhead -c 200000 /dev/zero | tr '\\\\0' 'x'\necho\necho "after" >&2\nexit 3\n`, { mode: 0o755 });
    const lines: { stream: string; line: string }[] = [];
    const child = spawnChild({ binary, cwd: dir, env: { PATH: process.env['PATH'] ?? '' }, stopGraceMs: 1000, wrapper: null, onLine: (stream, line) => lines.push({ stream, line }) });
    expect(await child.exited).toEqual({ code: 3, signal: null, error: null });
    const out = lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
    expect(out[0]).toBe('first');
    expect(out).toHaveLength(2);
    expect(out[1]?.length).toBeLessThan(17 * 1024);
    expect(out[1]).toMatch(/…\[line cut at 16384 characters\]$/);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['after']);
  });
});
