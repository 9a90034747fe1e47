import type { Clock } from '../lib/clock.js';
import type { ChangedTable, ChangeSource } from './ports/changes.js';

/** Memory kept of a table that reads a row again (null: every row) when another gateway changed it. */
export interface Refreshable {
  refresh(key: string | null): Promise<void>;
}

/**
 * Keeps one memory of a table in step with what other gateways change (distributed mode). Refreshes run one at a
 * time in the order announced, so the last read of a row comes after its last announced commit. A refresh that
 * fails (the database went away) is followed by a whole re-read after `retryMs`, again until one succeeds: until
 * then the memory may be behind. Answers the function that stops.
 */
export function followTable(source: ChangeSource, table: ChangedTable, memory: Refreshable, clock: Clock, retryMs: number, onError: (err: unknown, table: ChangedTable) => void): () => void {
  let stopped = false;
  let queue: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | null = null;
  const refresh = (key: string | null): void => {
    queue = queue.then(() =>
      memory.refresh(key).catch((err: unknown) => {
        onError(err, table);
        if (stopped || retry) return;
        retry = clock.setTimeout(() => {
          retry = null;
          if (!stopped) refresh(null);
        }, retryMs);
      }),
    );
  };
  const off = source.onChange(table, refresh);
  return () => {
    stopped = true;
    if (retry) clock.clearTimeout(retry);
    off();
  };
}
