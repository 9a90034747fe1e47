import type { GowaClient } from '../gowa/client.js';
import type { ChildExit } from './child-process.js';

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * Ready = the child printed its `Server started on` line and `/health` answers 200 before the deadline
 * (docs/binary-contract.md §3). Polls with a short interval (a refused connect costs next to nothing, and at
 * 100 ms every start waited 50 ms for nothing on average) and gives up early if the process exits, so a binary
 * that dies on start is noticed at once, not after the timeout.
 */
export async function waitUntilHealthy(client: GowaClient, exited: Promise<ChildExit>, listening: () => boolean, timeoutMs: number, pollMs = 25): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) return { ready: false, reason: 'process exited during start' };
    // `/health` has no auth, so before our child says it is listening another process on the port could answer.
    if (listening() && (await client.health(Math.min(2000, Math.max(100, deadline - Date.now()))))) return { ready: true };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return { ready: false, reason: `no healthy answer within ${timeoutMs} ms` };
}
