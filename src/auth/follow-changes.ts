import type { ChangedTable, ChangeSource } from '../db/ports/changes.js';
import type { Clock } from '../lib/clock.js';
import type { AccountService } from './accounts.js';
import type { ApiKeyService } from './api-keys.js';
import type { GrantService } from './grants.js';

interface Refreshable {
  refresh(key: string | null): Promise<void>;
}

export interface FollowedAccess {
  readonly accounts: AccountService;
  readonly keys: ApiKeyService;
  readonly grants: GrantService;
}

/**
 * Keeps the access area's memory (accounts, API keys, grants) in step with what other gateways change (distributed
 * mode). Each service refreshes one change at a time, in the order announced, so the last read of a row comes after
 * its last announced commit. A refresh that fails (the database went away) is followed by a whole re-read after
 * `retryMs`, again until one succeeds: until then the memory may be behind. Answers the function that stops.
 */
export function followAccessChanges(source: ChangeSource, access: FollowedAccess, clock: Clock, retryMs: number, onError: (err: unknown, table: ChangedTable) => void): () => void {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const follow = (table: ChangedTable, service: Refreshable): (() => void) => {
    let queue: Promise<void> = Promise.resolve();
    let retry: NodeJS.Timeout | null = null;
    const refresh = (key: string | null): void => {
      queue = queue.then(() =>
        service.refresh(key).catch((err: unknown) => {
          onError(err, table);
          if (stopped || retry) return;
          const timer = clock.setTimeout(() => {
            timers.delete(timer);
            retry = null;
            if (!stopped) refresh(null);
          }, retryMs);
          retry = timer;
          timers.add(timer);
        }),
      );
    };
    return source.onChange(table, refresh);
  };
  const offs = [follow('users', access.accounts), follow('api_keys', access.keys), follow('number_grants', access.grants)];
  return () => {
    stopped = true;
    for (const timer of timers) clock.clearTimeout(timer);
    for (const off of offs) off();
  };
}
