import fs from 'node:fs';

/**
 * A test that leaves a process behind is a defect: find every process still tagged with this run's id,
 * kill it so nothing lingers, and fail the run naming them.
 */
export default function globalTeardown() {
  const tag = `SIM_TEST_RUN=${process.env.SIM_TEST_RUN}`;
  const leaked = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(tag)) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      leaked.push(`${entry} ${cmdline}`);
      process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Gone already, or not ours to read.
    }
  }
  if (leaked.length > 0) throw new Error(`test run left ${leaked.length} process(es) behind:\n${leaked.join('\n')}`);
}
