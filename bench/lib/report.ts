import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Figure, ScenarioResult } from '../scenarios/types.js';
import { ROOT } from './gateway.js';

export const RESULTS_FILE = path.join(ROOT, 'bench', 'results.json');
export const BENCHMARKS_FILE = path.join(ROOT, 'BENCHMARKS.md');
const START = '<!-- bench:results:start (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly commit: string;
}

export interface RunMeta extends Machine {
  readonly date: string;
  readonly args: Record<string, unknown>;
  /** Load average when the run started: other work on the machine skews every figure. */
  readonly loadAverage: number[];
}

export interface ResultsFile {
  readonly meta: RunMeta;
  readonly scenarios: Record<string, ScenarioResult & { readonly meta: RunMeta }>;
}

export function machine(): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout.
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    commit,
  };
}

function formatValue(f: Figure): string {
  // No value (nothing kept up, so no latency at that rate): NaN in a run, null once read back from results.json.
  if (typeof f.value !== 'number' || !Number.isFinite(f.value)) return '—';
  const whole = Number.isInteger(f.value) && f.unit !== '×';
  const digits = whole || Math.abs(f.value) >= 100 ? 0 : Math.abs(f.value) >= 10 ? 1 : f.unit === '×' ? 3 : 2;
  const value = f.value.toFixed(digits);
  return f.unit === '×' ? `${value}×` : `${value} ${f.unit}`;
}

function formatTarget(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.op === '>=' ? '≥' : '≤'} ${f.target.value}${f.unit === '×' ? '×' : ` ${f.unit}`}`;
}

const verdict = (f: Figure): string => (f.met === undefined ? '' : f.met ? 'met' : 'MISSED');

/** Rows: scenario, figure, value, target, verdict. */
function rows(results: readonly ScenarioResult[]): string[][] {
  return results.flatMap((r) => r.figures.map((f) => [r.scenario, f.label, formatValue(f), formatTarget(f), verdict(f)]));
}

export function printTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'figure', 'value', 'target', ''];
  const body = rows(results);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function readResults(): ResultsFile | null {
  try {
    return JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as ResultsFile;
  } catch {
    return null;
  }
}

/** Merge this run's scenarios into bench/results.json (a partial run keeps the other scenarios' last figures). */
export function saveResults(meta: RunMeta, results: readonly ScenarioResult[]): ResultsFile {
  const previous = readResults();
  const scenarios: ResultsFile['scenarios'] = { ...(previous?.scenarios ?? {}) };
  for (const r of results) scenarios[r.scenario] = { ...r, meta };
  const file: ResultsFile = { meta, scenarios };
  fs.writeFileSync(`${RESULTS_FILE}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  fs.renameSync(`${RESULTS_FILE}.tmp`, RESULTS_FILE);
  return file;
}

/** The generated part of BENCHMARKS.md: machine, Node, date and every figure, per scenario. */
export function renderSection(file: ResultsFile, order: readonly string[]): string {
  const lines: string[] = [];
  const all = order.flatMap((name) => (file.scenarios[name] ? [file.scenarios[name]] : []));
  const metas = new Map(all.map((s) => [`${s.meta.date}`, s.meta]));
  lines.push('### Latest figures', '');
  for (const meta of metas.values()) {
    const names = all.filter((s) => s.meta.date === meta.date).map((s) => s.scenario);
    lines.push(
      `- **${names.join(', ')}**: ${meta.date.slice(0, 16).replace('T', ' ')} UTC, commit \`${meta.commit}\`, Node ${meta.node}, ${meta.cores} × ${meta.cpu}, ${meta.memoryGb} GB, ${meta.os}; ` +
        `load average at start ${meta.loadAverage.map((l) => l.toFixed(2)).join(' / ')}`,
    );
  }
  lines.push('', '| scenario | figure | value | target | |', '|---|---|---:|---|---|');
  for (const row of rows(all)) lines.push(`| ${row.join(' | ')} |`);
  lines.push('', 'Parameters and per-run details (CPU use, status counts, each step) are in [`bench/results.json`](bench/results.json).');
  return lines.join('\n');
}

export function writeBenchmarksSection(section: string): void {
  const text = fs.existsSync(BENCHMARKS_FILE) ? fs.readFileSync(BENCHMARKS_FILE, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start ? `${text.slice(0, start + START.length)}\n${section}\n${text.slice(end)}` : `${text.trimEnd()}\n\n${START}\n${section}\n${END}\n`;
  fs.writeFileSync(BENCHMARKS_FILE, next);
}
