import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parentDeathPrefix } from '../../src/supervisor/parent-death.js';

function folderWith(script: string | null): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-setpriv-'));
  if (script !== null) fs.writeFileSync(path.join(dir, 'setpriv'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return dir;
}

describe('parent-death wrapper', () => {
  it("uses util-linux setpriv from PATH to set the parent-death signal", () => {
    expect(parentDeathPrefix(process.env['PATH'] ?? '')).toEqual([expect.stringMatching(/\/setpriv$/), '--pdeathsig', 'KILL', '--']);
  });

  it('falls back to spawning directly without setpriv, or with one too old to know --pdeathsig', () => {
    expect(parentDeathPrefix(folderWith(null))).toBeNull();
    expect(parentDeathPrefix(folderWith('echo "Usage: setpriv [options] <program>"'))).toBeNull();
    const recent = folderWith('echo " --pdeathsig keep|clear|<signame>"');
    expect(parentDeathPrefix(`${folderWith(null)}:${recent}`)).toEqual([path.join(recent, 'setpriv'), '--pdeathsig', 'KILL', '--']);
  });
});
