import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../lib/gateway.js';
import { RUN_TAG, RUN_TAG_KEY } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import { figure, type BenchContext, type Scenario, type ScenarioResult } from './types.js';

interface Micros {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

interface MicroResult {
  readonly keys: number;
  readonly checks: number;
  readonly checkMicros: Record<'valid' | 'firstUse' | 'unknownKey' | 'wrongSecret' | 'jwt', Micros>;
  readonly audit: { readonly rows: number; readonly cpuMsPerRow: number; readonly batchedCpuMsPerRow: number; readonly wallMicros: Micros; readonly verify: { ok: boolean; checked: number; ms: number } };
}

/** bench/access-micro.mjs in its own process, on the compiled gateway code; resolves with its JSON line. */
function runMicro(keys: number, checks: number, auditRows: number): Promise<MicroResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench', 'access-micro.mjs'), String(keys), String(checks), String(auditRows)], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', [RUN_TAG_KEY]: RUN_TAG },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`access-micro exited with ${code}`));
      else resolve(JSON.parse(out) as MicroResult);
    });
  });
}

/**
 * 6. Access checks in process: one credential check with N API keys stored (good key, unknown key id, wrong secret
 * of a real key, and a cached JWT for comparison), and the gateway CPU one audit row costs. The HTTP side (an API key
 * against a JWT on the proxy and on sends) is measured in the proxy and send scenarios.
 */
export const accessScenario: Scenario = {
  name: 'access',
  title: 'Access checks (API keys, audit rows)',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const { accessKeys, accessChecks, accessAuditRows } = ctx.args;
    ctx.log(`access: ${accessKeys} keys stored, ${accessChecks} checks of each kind, ${accessAuditRows} audit rows`);
    const micro = await runMicro(accessKeys, accessChecks, accessAuditRows);
    const c = micro.checkMicros;
    ctx.log(`access: key check p50 ${c.valid.p50.toFixed(1)} µs (unknown id ${c.unknownKey.p50.toFixed(1)}, wrong secret ${c.wrongSecret.p50.toFixed(1)}); audit row ${micro.audit.cpuMsPerRow.toFixed(3)} ms CPU`);
    return {
      scenario: 'access',
      title: this.title,
      ranAt: new Date().toISOString(),
      params: { keys: accessKeys, checks: accessChecks, auditRows: accessAuditRows },
      figures: [
        figure('key_check_p50', `API key check p50, ${accessKeys} keys stored`, round(c.valid.p50, 2), 'µs', { op: '<=', value: 20 }),
        figure('key_check_p99', 'API key check p99', round(c.valid.p99, 2), 'µs'),
        figure('key_first_use_p50', "API key check p50, the key's first use (HMAC)", round(c.firstUse.p50, 2), 'µs', { op: '<=', value: 20 }),
        figure('unknown_key_p50', 'refusal p50: unknown key id', round(c.unknownKey.p50, 2), 'µs'),
        figure('wrong_secret_p50', 'refusal p50: wrong secret of a real key', round(c.wrongSecret.p50, 2), 'µs'),
        figure('refusal_timing_gap', 'refusal timing gap p50: unknown id vs wrong secret', round(Math.abs(c.unknownKey.p50 - c.wrongSecret.p50), 2), 'µs', { op: '<=', value: 1 }),
        figure('jwt_check_p50', 'reference: JWT check p50 (seen before)', round(c.jwt.p50, 2), 'µs'),
        figure('audit_cpu_per_row', 'gateway CPU per audit row', round(micro.audit.cpuMsPerRow, 3), 'ms', { op: '<=', value: 0.1 }),
        figure('audit_batched_cpu_per_row', 'gateway CPU per audit row, 50 written per turn', round(micro.audit.batchedCpuMsPerRow, 3), 'ms'),
        figure('audit_write_p50', 'audit row write p50 (wall)', round(micro.audit.wallMicros.p50, 1), 'µs'),
        figure('audit_verify_ms', `verify the chain of ${micro.audit.verify.checked} rows`, round(micro.audit.verify.ms, 1), 'ms'),
      ],
      details: micro as unknown as Record<string, unknown>,
    };
  },
};
