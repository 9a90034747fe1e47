import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from '@jest/globals';
import { makeDataRoot, testEnv } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';
import { removeTempDirs, ROOT, tempDir } from './support.js';

afterAll(removeTempDirs);

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const mtime = (file: string) => fs.statSync(file).mtimeMs;

/** Every file under a folder with its modification time, to tell whether a build wrote anything. */
function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, file)] = mtime(file);
    }
  }
  return out;
}

describe('npm start on an installed checkout', () => {
  it('starts the gateway from the existing build, writing nothing to dist/', async () => {
    // Bring dist/ up to date first (a no-op after `npm test`'s build), so only npm start itself is judged.
    execFileSync(process.execPath, [TSC, '-b', 'tsconfig.build.json'], { cwd: ROOT });
    const before = snapshot(path.join(ROOT, 'dist'));
    const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...testEnv(makeDataRoot(), { LOG_LEVEL: 'info' }), HOME: process.env['HOME'] ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const lines: string[] = [];
    for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream }).on('line', (l) => lines.push(l));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => lines.some((l) => l.includes('"msg":"gateway listening"')), { timeoutMs: 30_000, what: 'npm start to listen' });
    } finally {
      // npm, its shell and node form one process group: stop them all.
      process.kill(-(child.pid ?? 0), 'SIGTERM');
      await exited;
    }
    expect(snapshot(path.join(ROOT, 'dist'))).toEqual(before);
  });
});

describe('the build (npm run build = tsc -b: compiles only what is out of date)', () => {
  it('compiles a fresh checkout, then only again when a source or an output changed', () => {
    const dir = tempDir('wa-build-');
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    fs.cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const build = () => execFileSync(process.execPath, [TSC, '-b', 'tsconfig.build.json'], { cwd: dir });
    const dist = path.join(dir, 'dist');

    build();
    expect(fs.existsSync(path.join(dist, 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(dist, '.tsbuildinfo'))).toBe(true);
    const built = snapshot(dist);

    build();
    expect(snapshot(dist)).toEqual(built);

    // A changed source is compiled again...
    const source = path.join(dir, 'src', 'lib', 'clock.ts');
    fs.appendFileSync(source, '\n// changed\n');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(source, later, later);
    build();
    expect(mtime(path.join(dist, 'lib', 'clock.js'))).toBeGreaterThan(built['lib/clock.js'] ?? Infinity);

    // ...and so is a missing output.
    fs.rmSync(path.join(dist, 'main.js'));
    build();
    expect(fs.existsSync(path.join(dist, 'main.js'))).toBe(true);
  });

  it('is run by npm install (prepare), except where the sources are not there yet (a Docker dependency layer)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['prepare']).toContain('npm run build');
    expect(pkg.scripts['start']).toBe('npm run build --silent && node dist/main.js');
    const empty = tempDir('wa-prepare-');
    expect(() => execFileSync('sh', ['-c', pkg.scripts['prepare'] ?? 'false'], { cwd: empty })).not.toThrow();
  });
});

describe('the Docker image', () => {
  it('runs the compiled gateway and never compiles at start', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/^(RUN|CMD|ENTRYPOINT).*\b(tsc|npm (run|start))\b/m);
  });
});
