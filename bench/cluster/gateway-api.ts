/**
 * The parts of the built gateway (dist/) the cluster member uses, typed by hand because the bench compiles on its
 * own; tests/cluster/support/api-shape.ts checks them against the real modules at typecheck time.
 */
export interface PgClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export type OwnershipEntry = { readonly kind: 'acquiring' | 'owned' | 'releasing'; readonly fence: number };

interface Listen<E> {
  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void;
}

interface MembershipEvents {
  joined: { readonly incarnation: string; readonly rejoin: boolean };
  fenced: { readonly incarnation: string; readonly reason: string };
  conflict: { readonly error: unknown };
}

interface OwnershipEvents {
  acquired: { readonly phoneNumber: string; readonly fence: number };
  lost: { readonly phoneNumber: string; readonly fence: number; readonly reason: string };
  released: { readonly phoneNumber: string; readonly fence: number; readonly reason: string };
  changed: { readonly phoneNumber: string; readonly to: string; readonly fence: number };
}

export interface ClusterNodeApi {
  /** The node's pool (claims, fenced writes, the journal). */
  readonly pool: unknown;
  readonly membership: { readonly events: Listen<MembershipEvents> };
  readonly ownership: {
    readonly events: Listen<OwnershipEvents>;
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
