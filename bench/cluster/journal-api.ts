/**
 * The parts of the built gateway (dist/) the journal figures use (src/cluster/journal/), typed by hand because the
 * bench compiles on its own; tests/cluster/support/journal-api-shape.ts checks them against the real modules.
 */
export interface JournalEntryApi {
  readonly phoneNumber: string;
  readonly seq: number;
  readonly payload: Record<string, unknown>;
}

export interface AppenderApi {
  append(phoneNumber: string, fence: number, draft: { readonly type: string; readonly payload: Record<string, unknown> }): Promise<JournalEntryApi>;
  close(): Promise<void>;
}

export interface FanoutApi {
  start(): Promise<void>;
  stop(): Promise<void>;
  follow(phoneNumber: string, since?: number): Promise<number>;
}

export interface JournalModule {
  JournalAppender: new (deps: { pool: never; nodeId: string; fences: never }) => AppenderApi;
  JournalFanout: new (deps: { pool: never; listen: () => Promise<never>; deliver: (entry: JournalEntryApi) => void }) => FanoutApi;
}

export interface PoolModule {
  connectClient(url: string, timeoutMs: number, applicationName: string): Promise<unknown>;
}
