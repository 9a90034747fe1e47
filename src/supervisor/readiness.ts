import type { GowaClient } from '../gowa/client.js';
import type { ChildExit } from './child-process.js';

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * Ready = `/health` answers 200 before the deadline (contract §3). Polls with a short interval (a refused
 * connect costs next to nothing, and at 100 ms every start waited 50 ms for nothing on average) and gives up
 * early if the process exits, so a binary that dies on start is noticed at once, not after the timeout.
 */
export async function waitUntilHealthy(client: GowaClient, exited: Promise<ChildExit>, timeoutMs: number, pollMs = 25): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) return { ready: false, reason: 'process exited during start' };
    if (await client.health(Math.min(2000, Math.max(100, deadline - Date.now())))) return { ready: true };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return { ready: false, reason: `no healthy answer within ${timeoutMs} ms` };
}
