import fs from 'node:fs';

/** Poll until `check` returns a truthy value or the deadline passes; the only way tests wait for state. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A zombie (dead, not yet reaped by whoever inherited it: PID 1 can be slow at that) is not alive. */
export function isAlive(pid: number): boolean {
  // kill(0 or -1, 0) would ask about a whole process group or every process: never what a test means.
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`isAlive needs a real pid, got ${pid}`);
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces and parentheses, the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function waitForExit(pid: number, timeoutMs = 15_000): Promise<boolean> {
  return waitFor(() => !isAlive(pid), { timeoutMs, what: `pid ${pid} to exit` });
}
