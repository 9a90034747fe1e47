#!/usr/bin/env node
// Reports the dashboard's initial JavaScript (the entry chunk and everything it imports statically), gzipped,
// and fails the build when it is over the budget. Run after `vite build`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const BUDGET_KB = 250;
const dist = path.resolve(import.meta.dirname, '..', '..', 'dist', 'ui');
const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
if (!entry) throw new Error('no entry chunk in dist/ui/.vite/manifest.json');

const initial = new Set();
const visit = (chunk) => {
  if (initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const key of chunk.imports ?? []) visit(manifest[key]);
};
visit(entry);

let total = 0;
const rows = [...initial].map((file) => {
  const bytes = fs.readFileSync(path.join(dist, file));
  const gz = zlib.gzipSync(bytes, { level: 9 }).length;
  total += gz;
  return `  ${file.padEnd(36)} ${(bytes.length / 1024).toFixed(1).padStart(8)} KB  ${(gz / 1024).toFixed(1).padStart(7)} KB gz`;
});
const css = (entry.css ?? []).map((file) => `  ${file.padEnd(36)} ${(zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length / 1024).toFixed(1).padStart(20)} KB gz (CSS)`);
const kb = total / 1024;
// Pages loaded on first use (dynamic imports): reported, not budgeted.
const lazy = Object.values(manifest).filter((chunk) => chunk.file.endsWith('.js') && !initial.has(chunk.file));
const lazyGz = lazy.reduce((sum, chunk) => sum + zlib.gzipSync(fs.readFileSync(path.join(dist, chunk.file)), { level: 9 }).length, 0);
const later = `  loaded on demand: ${lazy.length} chunks, ${(lazyGz / 1024).toFixed(1)} KB gz`;
console.log(`dashboard: initial JavaScript ${kb.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)\n${[...rows, ...css, later].join('\n')}`);
if (kb > BUDGET_KB) {
  console.error(`dashboard: initial JavaScript is over the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
