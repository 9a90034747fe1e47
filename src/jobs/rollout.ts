import type { Logger } from '../lib/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export interface RolloutResult {
  readonly ok: boolean;
  readonly moved: string[];
  readonly failedOn: string | null;
  readonly reason: string | null;
}

/**
 * Moves running numbers onto a new binary one at a time, the first being the canary. Each must come up and stay
 * up for the soak period; on the first failure every number already moved goes back to the current binary.
 */
export async function rollOut(supervisor: Supervisor, candidate: string, soakMs: number, logger: Logger): Promise<RolloutResult> {
  const targets = supervisor.list().filter((r) => r.state === 'running').map((r) => r.phoneNumber);
  const moved: string[] = [];
  for (const phone of targets) {
    // A number a user stopped (or that stopped by itself) since the rollout began is left alone.
    if (!isRunningOnPurpose(supervisor, phone)) continue;
    supervisor.useBinary(phone, candidate);
    moved.push(phone);
    logger.info({ phoneNumber: phone, canary: moved.length === 1 }, 'moving number onto the new binary');
    const failure = await restartAndSoak(supervisor, phone, soakMs);
    if (failure) {
      logger.error({ phoneNumber: phone, reason: failure }, 'new binary failed; rolling back');
      await rollBack(supervisor, moved);
      return { ok: false, moved: [], failedOn: phone, reason: failure };
    }
  }
  for (const phone of moved) supervisor.useBinary(phone, null);
  return { ok: true, moved, failedOn: null, reason: null };
}

async function restartAndSoak(supervisor: Supervisor, phone: string, soakMs: number): Promise<string | null> {
  try {
    await supervisor.restart(phone, 'automatic');
  } catch (err) {
    return (err as Error).message;
  }
  const runner = supervisor.runner(phone);
  if (runner?.state !== 'running') return `did not start (state ${runner?.state ?? 'gone'})`;
  const pid = runner.pid;
  const deadline = Date.now() + soakMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, soakMs)));
    if (runner.state !== 'running' || runner.pid !== pid) return `did not stay up (state ${runner.state})`;
    if (!(await runner.client?.health(2000))) return 'stopped answering its health check';
  }
  return null;
}

async function rollBack(supervisor: Supervisor, moved: readonly string[]): Promise<void> {
  for (const phone of moved) {
    supervisor.useBinary(phone, null);
    // Only numbers meant to run go back up; a user's stop during the rollout stands.
    if (supervisor.runner(phone) && supervisor.row(phone).desiredState === 'running') await supervisor.restart(phone, 'automatic').catch(() => undefined);
  }
}

function isRunningOnPurpose(supervisor: Supervisor, phone: string): boolean {
  const runner = supervisor.runner(phone);
  return runner?.state === 'running' && supervisor.row(phone).desiredState === 'running';
}
