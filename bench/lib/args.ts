/**
 * Benchmark parameters: `--name value` (or `--name=value`) on the command line, else `BENCH_NAME` in the
 * environment, else the default. `npm run bench -- --only proxy --numbers 50`.
 */
export interface BenchArgs {
  /** Scenarios to run (default: all, in the documented order). */
  readonly only: string[];
  /** Numbers for the send and fan-out scenarios. */
  readonly numbers: number;
  /** Seconds per measured load run. */
  readonly duration: number;
  /** autocannon connections for the proxy comparison. */
  readonly connections: number;
  /** Alternating direct/proxied rounds in the proxy comparison. */
  readonly rounds: number;
  /** autocannon connections for the send throughput run. */
  readonly sendConnections: number;
  /** Offered rate (messages/s) of the send latency run. */
  readonly sendRate: number;
  readonly restoreSizes: number[];
  /** RESTORE_CONCURRENCY for the restore scenario; 0 = the gateway's default. */
  readonly restoreConcurrency: number;
  readonly memorySizes: number[];
  /** Seconds to let the gateway settle before each memory reading. */
  readonly memorySettle: number;
  readonly fanoutClients: number;
  /** Offered event rates (events/s from all children together), one step each. */
  readonly fanoutRates: number[];
  /** Seconds per fan-out step. */
  readonly fanoutDuration: number;
  /** Offered messages/s of the isolated-capacity send steps, one step each (stops once under half gets through). */
  readonly capacityRates: number[];
  /** Offered incoming events/s of the isolated-capacity fan-out steps. */
  readonly capacityFanoutRates: number[];
  /** Seconds per isolated-capacity step. */
  readonly capacityDuration: number;
  /** Conversation store: numbers, stored messages, chats per number, inbound events/s, seconds, reads per query kind. */
  readonly convNumbers: number;
  readonly convMessages: number;
  readonly convChats: number;
  readonly convRate: number;
  readonly convDuration: number;
  readonly convQueries: number;
  /** Access checks: API keys stored, checks of each kind, audit rows written. */
  readonly accessKeys: number;
  readonly accessChecks: number;
  readonly accessAuditRows: number;
  /** Chatwoot bridge: bound numbers, messages/s offered into the children, agent replies/s. */
  readonly chatwootNumbers: number;
  readonly chatwootRate: number;
  readonly chatwootReplyRate: number;
  /** Distributed mode: numbers shared by the three cluster nodes. */
  readonly clusterNumbers: number;
  /** Child port range, e.g. 8500-8999 (kept clear of the test suite's 8000–8299). */
  readonly ports: { base: number; max: number };
  /** Write a CPU profile of the gateway during each measured phase to bench/profiles/. */
  readonly profile: boolean;
  /** Write bench/results.json and the BENCHMARKS.md section. */
  readonly save: boolean;
  /** Run nothing: print the table of bench/results.json and rewrite the BENCHMARKS.md section from it. */
  readonly renderOnly: boolean;
  /** Keep each scenario's data folder (sessions, database, logs) under the temp directory. */
  readonly keepData: boolean;
}

export const SCENARIOS = ['proxy', 'send', 'capacity', 'restore', 'fanout', 'memory', 'conversations', 'access', 'chatwoot', 'cluster'] as const;
/** What runs without --only: every scenario but the cluster one (its own Postgres and three nodes; ask for it). */
export const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => s !== 'cluster');

const HELP = `npm run bench -- [options]   (each option also as BENCH_<NAME> in the environment)
  --only proxy,send,capacity,restore,fanout,memory,conversations,access,chatwoot,cluster   scenarios to run (default: all but cluster)
  --numbers 50              numbers for send and fan-out
  --duration 10             seconds per measured load run
  --connections 10          proxy: autocannon connections (same for direct and proxied)
  --rounds 3                proxy: alternating direct/proxied rounds
  --send-connections 50     send: autocannon connections of the throughput run
  --send-rate 100           send: offered messages/s of the latency run
  --restore-sizes 50,100,200
  --restore-concurrency 0   RESTORE_CONCURRENCY (0 = the gateway's default)
  --memory-sizes 0,50,100,200
  --memory-settle 5         seconds before each memory reading
  --fanout-clients 50
  --fanout-rates 250,500,1000,2000,5000,10000   offered events/s, one step each (stops once under half arrives)
  --fanout-duration 5       seconds per fan-out step
  --capacity-rates 100,250,500,1000,2000   capacity: offered messages/s, one step each (stops once under half gets through)
  --capacity-fanout-rates 500,1000,2000,5000,10000   capacity: offered incoming events/s, one step each
  --capacity-duration 5     capacity: seconds per step
  --conv-numbers 50         conversations: numbers
  --conv-messages 1000000   conversations: messages stored before measuring (through the store's write path)
  --conv-chats 200          conversations: chats per number
  --conv-rate 500           conversations: inbound events/s while measuring ingest
  --conv-duration 10        conversations: seconds of inbound load
  --conv-queries 200        conversations: requests per read measured (chat list, pages, search, inbox)
  --access-keys 10000       access: API keys stored
  --access-checks 20000     access: credential checks of each kind
  --access-audit-rows 5000  access: audit rows written
  --chatwoot-numbers 20     chatwoot: numbers, each bound to its own inbox of the fake Chatwoot
  --chatwoot-rate 200       chatwoot: WhatsApp messages/s offered into the children
  --chatwoot-reply-rate 50  chatwoot: agent replies/s
  --cluster-numbers 30      cluster: numbers shared by three cluster nodes (kill -9 of one, SIGTERM of another)
  --ports 8500-8999         child port range
  --profile                 CPU profile of the gateway in each measured phase, into bench/profiles/
  --no-save                 do not write bench/results.json and BENCHMARKS.md
  --render-only             run nothing; table and BENCHMARKS.md section from bench/results.json
  --keep-data               keep each scenario's data folder (/tmp/wa-bench-*) for inspection`;

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchArgs {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${HELP}`);
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s);
    if (['profile', 'no-save', 'render-only', 'keep-data'].includes(name)) given.set(name, 'true');
    else if (inline !== undefined) given.set(name, inline);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      given.set(name, value);
    }
  }
  const known = new Set(HELP.match(/--[a-z-]+/g)?.map((flag) => flag.slice(2)));
  for (const name of given.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}\n${HELP}`);

  const raw = (name: string): string | undefined => given.get(name) ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const int = (name: string, def: number, min = 0): number => {
    const value = raw(name);
    if (value === undefined || value === '') return def;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${value}`);
    return n;
  };
  const list = (name: string, def: number[]): number[] => {
    const value = raw(name);
    if (value === undefined || value === '') return def;
    const items = value.split(',').map((v) => Number(v.trim()));
    if (items.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--${name} must be a comma-separated list of integers, got ${value}`);
    return items;
  };
  const only = (raw('only') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name} (known: ${SCENARIOS.join(', ')})`);
  const portsText = raw('ports') ?? '8500-8999';
  const portsMatch = /^(\d+)-(\d+)$/.exec(portsText);
  if (!portsMatch) throw new Error(`--ports must look like 8500-8999, got ${portsText}`);
  const flag = (name: string): boolean => ['true', '1', 'yes'].includes((raw(name) ?? '').toLowerCase());

  return {
    only: only.length > 0 ? SCENARIOS.filter((s) => only.includes(s)) : [...DEFAULT_SCENARIOS],
    numbers: int('numbers', 50, 1),
    duration: int('duration', 10, 1),
    connections: int('connections', 10, 1),
    rounds: int('rounds', 3, 1),
    sendConnections: int('send-connections', 50, 1),
    sendRate: int('send-rate', 100, 1),
    restoreSizes: list('restore-sizes', [50, 100, 200]),
    restoreConcurrency: int('restore-concurrency', 0),
    memorySizes: list('memory-sizes', [0, 50, 100, 200]),
    memorySettle: int('memory-settle', 5),
    fanoutClients: int('fanout-clients', 50, 1),
    fanoutRates: list('fanout-rates', [250, 500, 1000, 2000, 5000, 10000]),
    fanoutDuration: int('fanout-duration', 5, 1),
    capacityRates: list('capacity-rates', [100, 250, 500, 1000, 2000]),
    capacityFanoutRates: list('capacity-fanout-rates', [500, 1000, 2000, 5000, 10000]),
    capacityDuration: int('capacity-duration', 5, 1),
    convNumbers: int('conv-numbers', 50, 1),
    convMessages: int('conv-messages', 1_000_000, 1),
    convChats: int('conv-chats', 200, 1),
    convRate: int('conv-rate', 500, 1),
    convDuration: int('conv-duration', 10, 1),
    convQueries: int('conv-queries', 200, 1),
    accessKeys: int('access-keys', 10_000, 1),
    accessChecks: int('access-checks', 20_000, 1),
    accessAuditRows: int('access-audit-rows', 5000, 1),
    chatwootNumbers: int('chatwoot-numbers', 20, 1),
    chatwootRate: int('chatwoot-rate', 200, 1),
    chatwootReplyRate: int('chatwoot-reply-rate', 50, 1),
    clusterNumbers: int('cluster-numbers', 30, 1),
    ports: { base: Number(portsMatch[1]), max: Number(portsMatch[2]) },
    profile: flag('profile'),
    save: !flag('no-save'),
    renderOnly: flag('render-only'),
    keepData: flag('keep-data'),
  };
}
