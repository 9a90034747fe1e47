/**
 * The parts of the built gateway (dist/) the cluster member uses, typed by hand because the bench compiles on its
 * own; tests/cluster/support/api-shape.ts checks them against the real modules at typecheck time.
 */
export interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export type OwnershipEntry = { readonly kind: 'acquiring' | 'owned' | 'releasing'; readonly fence: number };

export interface ClusterNodeApi {
  readonly membership: {
    readonly events: { on(event: 'joined' | 'fenced' | 'conflict' | 'changed', listener: (payload: never) => void): () => void };
    current(): { readonly kind: string };
  };
  readonly ownership: {
    readonly events: { on(event: 'acquired' | 'lost' | 'released' | 'changed', listener: (payload: never) => void): () => void };
    held(): ReadonlyMap<string, OwnershipEntry>;
    withFence<T>(phoneNumber: string, fence: number, work: (client: PgClient) => Promise<T>): Promise<T>;
    noteStoreVersion(phoneNumber: string, fence: number, version: string): Promise<void>;
  };
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterModule {
  clusterSettings(config: never): unknown;
  startClusterNode(options: { settings: never; gowaVersion: string; migrationsFolder: string; logger?: never }): Promise<ClusterNodeApi>;
  isClusterError(err: unknown, code?: 'CLUSTER_OWNERSHIP_LOST'): boolean;
}

export interface ConfigModule {
  loadConfig(env: NodeJS.ProcessEnv, root: string): unknown;
}

export interface LoggerModule {
  createLogger(level: 'info' | 'warn' | 'error' | 'silent' | 'debug' | 'trace' | 'fatal', destination?: NodeJS.WritableStream): unknown;
}
