import { z } from 'zod';

const optionalString = <T extends z.ZodType<string>>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const ms = (def: number, min: number) => z.coerce.number().int().min(min).max(3_600_000).default(def);

/** `postgres://user:password@host:port/db?…`: the scheme is checked, the rest is the driver's (a value is never echoed). */
const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;

/**
 * Distributed mode's keys (src/cluster/, docs/cluster.md). With CLUSTER_MODE=off (the default) none of them is read
 * and none is required. Durations in ms; the defaults are the design's (3 s heartbeat, 15 s lease, 1 s claim tick,
 * 2 s grace after expiry, self-fence 5 s before the lease would run out).
 */
export const clusterEnv = {
  CLUSTER_MODE: z.enum(['off', 'postgres']).default('off'),
  /** The shared Postgres (`postgres://user:password@host:5432/db`); required with CLUSTER_MODE=postgres. */
  DATABASE_URL: optionalString(z.string().max(2048).regex(POSTGRES_URL, 'must be a postgres:// or postgresql:// URL')),
  /** This node's stable name in the cluster (lower-case letters, digits and -); two live processes may not share one. */
  NODE_ID: optionalString(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -, starting with a letter or digit, at most 63 characters')),
  /** Where the other nodes reach this one's API (forwarded calls): http(s)://host:port. */
  NODE_ADVERTISE_URL: optionalString(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(1024)),
  /**
   * The secret every node derives the numbers' session-store passwords from (with the number and its fence, so a
   * takeover changes the password and shuts the old owner out): at least 32 characters, the same on every node.
   */
  CLUSTER_STORE_SECRET: optionalString(z.string().min(32, 'at least 32 characters').max(1024)),
  /** Most numbers this node owns at once; default: the child port range's size, or MAX_PROCESSES if that is smaller. */
  NODE_CAPACITY: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1, 'must be a positive integer').optional()),
  /** How often the node renews its lease. */
  CLUSTER_HEARTBEAT_INTERVAL: ms(3000, 50),
  /** A node whose lease was not renewed for this long is dead (judged by the database's clock). */
  CLUSTER_LEASE_TTL: ms(15_000, 500),
  /** How often the node looks for numbers to claim (besides the NOTIFY wake-ups). */
  CLUSTER_CLAIM_INTERVAL: ms(1000, 50),
  /** A dead node's numbers are claimed only this long after its lease ran out. */
  CLUSTER_EXPIRY_GRACE: ms(2000, 0),
  /** A node that could not renew stops its numbers this long before its lease would run out (monotonic clock). */
  CLUSTER_FENCE_MARGIN: ms(5000, 50),
  /** Client-side and server-side limit of one cluster query; shorter than the heartbeat, so a dead link cannot stall renewal. */
  CLUSTER_DB_TIMEOUT: ms(2000, 20),
  /** A node above its fair share hands over at most one number per this period. */
  CLUSTER_REBALANCE_INTERVAL: ms(10_000, 50),
  /** A number a node handed over (or just took) is not moved by rebalancing again for this long. */
  CLUSTER_RELEASE_COOLDOWN: ms(60_000, 0),
};

interface ClusterKeys {
  CLUSTER_MODE?: 'off' | 'postgres';
  DATABASE_URL?: string | undefined;
  NODE_ID?: string | undefined;
  NODE_ADVERTISE_URL?: string | undefined;
  CLUSTER_STORE_SECRET?: string | undefined;
  NODE_CAPACITY?: number | undefined;
  CLUSTER_HEARTBEAT_INTERVAL?: number;
  CLUSTER_LEASE_TTL?: number;
  CLUSTER_FENCE_MARGIN?: number;
  CLUSTER_DB_TIMEOUT?: number;
  PROCESS_BASE_PORT?: number;
  PROCESS_MAX_PORT?: number;
  CHILD_WATCHDOG_TIMEOUT?: number;
}

/** Rules across keys; only in distributed mode (off requires nothing new). */
export function clusterCrossCheck(env: ClusterKeys): string[] {
  if (env.CLUSTER_MODE !== 'postgres') return [];
  const problems: string[] = [];
  for (const key of ['DATABASE_URL', 'NODE_ID', 'NODE_ADVERTISE_URL', 'CLUSTER_STORE_SECRET'] as const) {
    if (!env[key]) problems.push(`${key}: required with CLUSTER_MODE=postgres`);
  }
  const { CLUSTER_LEASE_TTL: ttl, CLUSTER_FENCE_MARGIN: margin, CLUSTER_HEARTBEAT_INTERVAL: heartbeat, CLUSTER_DB_TIMEOUT: timeout } = env;
  if (ttl !== undefined && margin !== undefined && heartbeat !== undefined) {
    // At least two renewals must fit before the node fences itself, or one slow query would stop every number.
    if (margin >= ttl) problems.push('CLUSTER_FENCE_MARGIN: must be shorter than CLUSTER_LEASE_TTL');
    else if (2 * heartbeat > ttl - margin) problems.push('CLUSTER_HEARTBEAT_INTERVAL: at most half of CLUSTER_LEASE_TTL − CLUSTER_FENCE_MARGIN (two renewals before the node fences itself)');
  }
  const watchdog = env.CHILD_WATCHDOG_TIMEOUT;
  if (watchdog !== undefined && watchdog > 0 && ttl !== undefined && margin !== undefined && heartbeat !== undefined && watchdog * 1000 > ttl - margin - heartbeat) {
    // A paused node's children must be dead before anyone may take its numbers (DM-16): the node renewed at most one
    // heartbeat before it stopped, and promises its numbers stopped CLUSTER_FENCE_MARGIN before its lease runs out.
    problems.push(`CHILD_WATCHDOG_TIMEOUT: at most (CLUSTER_LEASE_TTL − CLUSTER_FENCE_MARGIN − CLUSTER_HEARTBEAT_INTERVAL) = ${Math.floor((ttl - margin - heartbeat) / 1000)} s, so a paused node's children are dead before its numbers can be taken over`);
  }
  if (timeout !== undefined && heartbeat !== undefined && timeout >= heartbeat) {
    problems.push('CLUSTER_DB_TIMEOUT: must be shorter than CLUSTER_HEARTBEAT_INTERVAL');
  }
  if (env.NODE_CAPACITY !== undefined && env.PROCESS_BASE_PORT !== undefined && env.PROCESS_MAX_PORT !== undefined) {
    const ports = env.PROCESS_MAX_PORT - env.PROCESS_BASE_PORT + 1;
    if (ports > 0 && env.NODE_CAPACITY > ports) problems.push(`NODE_CAPACITY: must not exceed the child port range (${ports} ports)`);
  }
  return problems;
}
