/**
 * Where a recorded gateway profile's CPU went, by stage (bench/lib/profile-breakdown.ts):
 *
 *   node dist/bench/profile-breakdown.js bench/profiles/<phase>.cpuprofile [<count> <unit>]
 *
 * With a count (e.g. the messages of that phase) each stage also gets its CPU time per unit.
 */
import fs from 'node:fs';
import { breakdownProfile, formatBreakdown } from './lib/profile-breakdown.js';
import type { CpuProfile } from './lib/profile-summary.js';

const [file, countText, unit = 'unit'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node dist/bench/profile-breakdown.js <file.cpuprofile> [<count> <unit>]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const count = Number(countText);
console.log(formatBreakdown(breakdownProfile(profile), Number.isFinite(count) && count > 0 ? { count, unit } : undefined).join('\n'));
