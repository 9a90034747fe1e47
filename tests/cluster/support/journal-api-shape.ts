/**
 * Compile-time check (npm run typecheck) that the journal figures' hand-written view of the built gateway
 * (bench/cluster/journal-api.ts) still matches the real modules.
 */
import type { JournalModule, PoolModule } from '../../../bench/cluster/journal-api.js';
import * as journal from '../../../src/cluster/journal/index.js';
import * as pool from '../../../src/cluster/pool.js';

export const journalShape: JournalModule = journal;
export const poolShape: PoolModule = pool;
