import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensurePackages, removeTempDirs, ROOT, run, SCRIPTS, SETUP_TIMEOUT_MS, tempDir } from './support.js';

afterAll(removeTempDirs);

function isBashScript(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(32);
    fs.readSync(fd, head, 0, 32, 0);
    return head.toString('latin1').startsWith('#!/usr/bin/env bash');
  } finally {
    fs.closeSync(fd);
  }
}

/** Every shell script in the repository (bin/ and bench/ included), so a new one is linted without editing this list. */
function shellScripts(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.sh') || isBashScript(full)) found.push(full);
    }
  };
  for (const dir of ['scripts', 'bin', 'bench', '.ci']) if (fs.existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir));
  return found.sort();
}

describe('operations scripts', () => {
  beforeAll(() => ensurePackages('shellcheck'), SETUP_TIMEOUT_MS);

  it('are all shellcheck-clean', async () => {
    const scripts = shellScripts();
    expect(scripts).toEqual(expect.arrayContaining(Object.values(SCRIPTS)));
    const result = await run('shellcheck', ['--severity=style', ...scripts]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it.each(Object.entries(SCRIPTS))('%s --help prints usage and exits 0', async (_name, script) => {
    const result = await run(script, ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
    expect(result.stderr).toBe('');
  });

  it('install-binary pins 9.2.0 by default', async () => {
    expect((await run(SCRIPTS.installBinary, ['--help'])).stdout).toContain('default version 9.2.0');
  });

  it('maintenance scripts reject unknown options with a usage hint', async () => {
    for (const script of [SCRIPTS.backup, SCRIPTS.cleanup]) {
      const result = await run(script, ['--bogus']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("unknown argument '--bogus'");
    }
  });
});

describe('scripts/start.sh', () => {
  it('without the binary exits non-zero and says how to get one (install script or the demo)', async () => {
    const missing = path.join(tempDir('ops-start-'), 'whatsapp');
    const result = await run(SCRIPTS.start, [], { WHATSAPP_BINARY: missing });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toContain('scripts/install-binary.sh');
    expect(result.stderr).toContain('npm run demo');
  });

  it('reads WHATSAPP_BINARY from the env file, and the environment wins over it', async () => {
    const dir = tempDir('ops-start-env-');
    const envFile = path.join(dir, 'test.env');
    fs.writeFileSync(envFile, `# comment\nexport WHATSAPP_BINARY="${path.join(dir, 'from-file')}"\nJWT_SECRET=\n`);
    const fromFile = await run(SCRIPTS.start, [], { ENV_FILE: envFile });
    expect(fromFile.code).not.toBe(0);
    expect(fromFile.stderr).toContain(path.join(dir, 'from-file'));
    const fromEnv = await run(SCRIPTS.start, [], { ENV_FILE: envFile, WHATSAPP_BINARY: path.join(dir, 'from-env') });
    expect(fromEnv.stderr).toContain(path.join(dir, 'from-env'));
  });
});
