#!/usr/bin/env node
// The dashboard's part of `npm run build`: runs `npm run build:ui` only when dist/ui is missing or older than a
// file of ui/ (or the lockfile), so `npm start` on an installed gateway writes nothing and starts at once.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const built = path.join(root, 'dist', 'ui', 'index.html');

function newest(target) {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = 0;
  for (const entry of fs.readdirSync(target, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) max = Math.max(max, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return max;
}

const sources = Math.max(newest(path.join(root, 'ui')), newest(path.join(root, 'package-lock.json')));
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) {
  execFileSync('npm', ['run', 'build:ui', '--silent'], { cwd: root, stdio: 'inherit' });
}
