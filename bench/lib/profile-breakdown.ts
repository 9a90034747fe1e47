/**
 * Where a gateway profile's CPU went, by the gateway's own stages rather than by function: each sample goes to the
 * innermost frame of the stack that belongs to a known stage (so the Socket.IO publish called from inside the
 * journal counts as Socket.IO, the delivery rows planned inside the journal's transaction as webhook planning),
 * and within a stage the leaf work is named when it is one of the usual suspects (JSON, SQLite, HMAC, writes).
 */
import { forEachBusySample, type CpuProfile, type ProfileNode } from './profile-summary.js';

type Frame = ProfileNode['callFrame'];

interface Node extends ProfileNode {
  readonly children?: readonly number[];
}

type Rule = { readonly stage: string; readonly file: RegExp; readonly fn?: RegExp };

/** The gateway's own files (paths relative to dist/): the first rule that matches a frame names its stage. */
const STAGES: readonly Rule[] = [
  { stage: 'HMAC: sign outbound webhooks', file: /webhooks\/signature\.js$/, fn: /^hubSignature$/ },
  { stage: 'HMAC: verify child webhooks', file: /webhooks\/signature\.js$/ },
  { stage: 'webhook rows planned (in the journal transaction)', file: /webhooks\/outbox\.js$/ },
  { stage: 'outbound webhook delivery (dispatcher, rows, HTTP)', file: /webhooks\/(dispatcher|post)\.js$|db\/repositories\/deliveries\.js$/ },
  { stage: 'Socket.IO publish (serialise, per-client writes)', file: /realtime\/(socket-server|write-coalescer|socket-bridge)\.js$/ },
  { stage: 'receipts (applied to the outbox rows)', file: /messaging\/receipts\.js$/ },
  { stage: 'receipts (applied to the outbox rows)', file: /db\/repositories\/messages\.js$/, fn: /^(applyReceipt|knownWaIds)$/ },
  { stage: 'journal (number, store)', file: /realtime\/event-journal\.js$|db\/repositories\/events\.js$/ },
  { stage: 'journal (number, store)', file: /webhooks\/event-services\.js$/, fn: /^transaction$/ },
  { stage: 'child webhook in (verify, parse, dedupe, normalise)', file: /webhooks\/inbound\.js$|realtime\/normalize\.js$|http\/routes\/internal-webhooks\.js$/ },
  { stage: 'send to the child (lane, attempt, HTTP call)', file: /messaging\/(lane|attempt|child-send)\.js$|gowa\// },
  { stage: 'send to the child (lane, attempt, HTTP call)', file: /db\/repositories\/messages\.js$/, fn: /^(nextPending|markSending|markSent|markFailed|retryLater|get)$/ },
  { stage: 'accept: POST /api/messages/send (validate, insert, 202)', file: /http\/routes\/messages\.js$|messaging\/outbox\.js$|http\/api-registry\.js$/ },
  { stage: 'accept: POST /api/messages/send (validate, insert, 202)', file: /db\/repositories\/messages\.js$/ },
  { stage: 'proxy', file: /proxy\// },
  { stage: 'auth (token, user, device access)', file: /^auth\/|http\/auth-middleware\.js$|realtime\/socket-auth\.js$/ },
  { stage: 'metrics and rate limit', file: /^metrics\// },
];

/** Packages, for samples with no gateway frame on the stack (their own callbacks: socket events, timers). */
const LIBRARIES: readonly Rule[] = [
  { stage: 'outbound webhook delivery (dispatcher, rows, HTTP)', file: /node_modules\/undici\// },
  { stage: 'Socket.IO publish (serialise, per-client writes)', file: /node_modules\/(socket\.io|socket\.io-adapter|socket\.io-parser|engine\.io|ws)\// },
  { stage: 'proxy', file: /node_modules\/(http-proxy|http-proxy-middleware)\// },
  { stage: 'metrics and rate limit', file: /node_modules\/(prom-client|express-rate-limit)\// },
  { stage: 'Express routing and body parsing', file: /node_modules\/(express|router|body-parser|raw-body|finalhandler|send|serve-static|cors)\// },
  { stage: 'drizzle (other callers)', file: /node_modules\/drizzle-orm\// },
];

const LEAVES: readonly { name: string; test: (f: Frame) => boolean }[] = [
  { name: 'JSON', test: (f) => f.url === '' && /^(stringify|parse|JSONParse|JSONStringify)$/.test(f.functionName) },
  { name: 'SQLite', test: (f) => f.url === '' && /^(get|run|all|iterate|prepare|exec|transaction)$/.test(f.functionName) },
  { name: 'socket writes', test: (f) => f.url === '' && /^(writev|writeUtf8String|writeBuffer|writeLatin1String|writeAsciiString)$/.test(f.functionName) },
  { name: 'HMAC/hash', test: (f) => f.url === '' && /^(update|digest|Hmac|Hash)$/.test(f.functionName) },
  { name: 'drizzle', test: (f) => f.url.includes('node_modules/drizzle-orm/') },
  { name: 'GC', test: (f) => f.functionName === '(garbage collector)' },
];

export interface StageShare {
  readonly stage: string;
  readonly percent: number;
  /** Of the stage's own time: the usual suspects among its leaf frames, in %. */
  readonly leaves: Record<string, number>;
}

function stageOf(frame: Frame, rules: readonly Rule[]): string | null {
  const ours = !frame.url.includes('/node_modules/') && frame.url.includes('/dist/');
  if (rules === STAGES && !ours) return null;
  const target = ours ? frame.url.replace(/^.*\/dist\//, '') : frame.url;
  for (const rule of rules) if (rule.file.test(target) && (!rule.fn || rule.fn.test(frame.functionName))) return rule.stage;
  return null;
}

/** Stages by share of the busy time (idle excluded), largest first. */
export function breakdownProfile(profile: CpuProfile): { busyMs: number; stages: StageShare[] } {
  const nodes = profile.nodes as readonly Node[];
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stageCache = new Map<number, string>();
  const stageFor = (leaf: number): string => {
    const cached = stageCache.get(leaf);
    if (cached) return cached;
    let stage = 'Node.js HTTP, timers and other (no gateway stage on the stack)';
    // The innermost gateway frame first; failing that, the innermost known package.
    search: for (const rules of [STAGES, LIBRARIES]) {
      for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
        const found = stageOf(byId.get(id)?.callFrame ?? { functionName: '', url: '', lineNumber: 0 }, rules);
        if (found) {
          stage = found;
          break search;
        }
      }
    }
    stageCache.set(leaf, stage);
    return stage;
  };
  const totals = new Map<string, { us: number; leaves: Map<string, number> }>();
  const all = forEachBusySample({ nodes, samples: profile.samples, timeDeltas: profile.timeDeltas }, (node, us) => {
    const stage = node.callFrame.functionName === '(garbage collector)' ? 'garbage collection' : stageFor(node.id);
    const entry = totals.get(stage) ?? { us: 0, leaves: new Map<string, number>() };
    totals.set(stage, entry);
    entry.us += us;
    const leaf = LEAVES.find((l) => l.test(node.callFrame))?.name;
    if (leaf) entry.leaves.set(leaf, (entry.leaves.get(leaf) ?? 0) + us);
  });
  const pct = (us: number, of: number): number => Math.round((us / of) * 1000) / 10;
  const stages = [...totals]
    .sort((a, b) => b[1].us - a[1].us)
    .map(([stage, { us, leaves }]) => ({ stage, percent: pct(us, all), leaves: Object.fromEntries([...leaves].sort((a, b) => b[1] - a[1]).map(([name, v]) => [name, pct(v, us)])) }));
  return { busyMs: Math.round(all / 1000), stages };
}

/** Printable lines; with `perUnit` (e.g. messages in the phase) each stage also gets its CPU time per unit. */
export function formatBreakdown(result: { busyMs: number; stages: StageShare[] }, perUnit?: { count: number; unit: string }): string[] {
  return [
    `by gateway stage (busy ${result.busyMs} ms${perUnit ? `, ${(result.busyMs / perUnit.count).toFixed(3)} ms per ${perUnit.unit}` : ''}):`,
    ...result.stages.map((s) => {
      const leaves = Object.entries(s.leaves)
        .filter(([, v]) => v >= 5)
        .map(([name, v]) => `${name} ${v} %`)
        .join(', ');
      const per = perUnit ? ` ${(((s.percent / 100) * result.busyMs) / perUnit.count).toFixed(3).padStart(6)} ms/${perUnit.unit}` : '';
      return `${s.percent.toFixed(1).padStart(5)} %${per}  ${s.stage}${leaves ? `  [${leaves}]` : ''}`;
    }),
  ];
}
