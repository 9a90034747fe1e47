import type { Config } from '../config/load.js';

/** Lease and loop timings, ms. */
export interface ClusterTimings {
  readonly heartbeatMs: number;
  readonly leaseTtlMs: number;
  readonly claimIntervalMs: number;
  readonly expiryGraceMs: number;
  readonly fenceMarginMs: number;
  readonly dbTimeoutMs: number;
  readonly rebalanceIntervalMs: number;
  readonly releaseCooldownMs: number;
}

/** What distributed mode needs, typed once from the validated config. */
export interface ClusterSettings {
  readonly databaseUrl: string;
  readonly nodeId: string;
  readonly advertiseUrl: string;
  /** The session stores' password secret (CLUSTER_STORE_SECRET). */
  readonly storeSecret: string;
  readonly capacity: number;
  readonly timings: ClusterTimings;
}

type ClusterConfig = Pick<
  Config,
  | 'CLUSTER_MODE'
  | 'DATABASE_URL'
  | 'NODE_ID'
  | 'NODE_ADVERTISE_URL'
  | 'CLUSTER_STORE_SECRET'
  | 'NODE_CAPACITY'
  | 'PROCESS_BASE_PORT'
  | 'PROCESS_MAX_PORT'
  | 'MAX_PROCESSES'
  | 'CLUSTER_HEARTBEAT_INTERVAL'
  | 'CLUSTER_LEASE_TTL'
  | 'CLUSTER_CLAIM_INTERVAL'
  | 'CLUSTER_EXPIRY_GRACE'
  | 'CLUSTER_FENCE_MARGIN'
  | 'CLUSTER_DB_TIMEOUT'
  | 'CLUSTER_REBALANCE_INTERVAL'
  | 'CLUSTER_RELEASE_COOLDOWN'
>;

/** null in single-host mode: nothing of the cluster is built then. The config has already required the keys. */
export function clusterSettings(config: ClusterConfig): ClusterSettings | null {
  if (config.CLUSTER_MODE !== 'postgres') return null;
  if (!config.DATABASE_URL || !config.NODE_ID || !config.NODE_ADVERTISE_URL || !config.CLUSTER_STORE_SECRET) throw new Error('cluster keys missing (loadConfig checks them)');
  // A node cannot run more children than it has ports for, nor more than MAX_PROCESSES allows.
  const ports = config.PROCESS_MAX_PORT - config.PROCESS_BASE_PORT + 1;
  return {
    databaseUrl: config.DATABASE_URL,
    nodeId: config.NODE_ID,
    advertiseUrl: config.NODE_ADVERTISE_URL,
    storeSecret: config.CLUSTER_STORE_SECRET,
    capacity: config.NODE_CAPACITY ?? Math.min(ports, config.MAX_PROCESSES),
    timings: {
      heartbeatMs: config.CLUSTER_HEARTBEAT_INTERVAL,
      leaseTtlMs: config.CLUSTER_LEASE_TTL,
      claimIntervalMs: config.CLUSTER_CLAIM_INTERVAL,
      expiryGraceMs: config.CLUSTER_EXPIRY_GRACE,
      fenceMarginMs: config.CLUSTER_FENCE_MARGIN,
      dbTimeoutMs: config.CLUSTER_DB_TIMEOUT,
      rebalanceIntervalMs: config.CLUSTER_REBALANCE_INTERVAL,
      releaseCooldownMs: config.CLUSTER_RELEASE_COOLDOWN,
    },
  };
}
