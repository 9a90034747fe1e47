/**
 * Where a phase's CPU went, from its `.cpuprofile`, without opening a viewer: self time grouped by package (or
 * Node.js built-in, or native work such as socket writes and SQLite calls) and the busiest functions.
 */
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `node_modules/<package>`, `node:<module>`, our own file under dist/, or the native function's name. */
function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return `(native) ${functionName || '(anonymous)'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return url;
  const ours = /\/dist\/(.+)$/.exec(url);
  return ours?.[1] ?? url;
}

function top(totals: Map<string, number>, all: number, count: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((us / all) * 100).toFixed(1).padStart(5)} %  ${name}`);
}

/** Calls `visit` with every sample the process was busy in (idle ones left out); returns the busy time in µs. */
export function forEachBusySample<N extends ProfileNode>(profile: { readonly nodes: readonly N[]; readonly samples: readonly number[]; readonly timeDeltas: readonly number[] }, visit: (node: N, us: number) => void): number {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  let all = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[index] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    all += us;
    visit(node, us);
  });
  return all;
}

/** Lines ready to print: the `count` largest owners of self time, then the `count` busiest functions. */
export function summariseProfile(profile: CpuProfile, count = 8): string[] {
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const all = forEachBusySample(profile, (node, us) => {
    const owner = ownerOf(node.callFrame);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const fn = `${node.callFrame.functionName || '(anonymous)'} (${owner}:${node.callFrame.lineNumber + 1})`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  if (all === 0) return ['no busy samples'];
  return [`busy ${(all / 1000).toFixed(0)} ms; self time by owner:`, ...top(owners, all, count), 'busiest functions:', ...top(functions, all, count)];
}
