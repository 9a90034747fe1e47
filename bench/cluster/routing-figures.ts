import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ROOT } from '../lib/gateway.js';
import { RUN_TAG, RUN_TAG_KEY } from '../lib/processes.js';
import { distribution, type Distribution } from '../lib/stats.js';
import type { NumbersModule } from './node-api.js';

const MEMBER = path.join(ROOT, 'dist', 'bench', 'cluster', 'member.js');
const NUMBER = '5521700000001';

export interface RoutingFigures {
  /** ms per GET /numbers/:n/whoami sent to the owner itself. */
  readonly directMs: Distribution;
  /** ms per the same call sent to the other node, which forwards it (one hop). */
  readonly forwardedMs: Distribution;
}

/**
 * The cost of one forwarding hop (DM-20), on its own database: two bench members serving their routed API
 * (NODE_HTTP=1) on 127.0.0.21/22, one number; the same call sequentially to the owner and to the other node.
 */
export async function measureRouting(databaseUrl: string, options: { readonly requests: number; readonly port: number; readonly log: (message: string) => void }): Promise<RoutingFigures> {
  const urlOf = (i: number): string => `http://127.0.0.${21 + i}:${options.port + i}`;
  const members: ChildProcess[] = ['r1', 'r2'].map((id, i) =>
    spawn(process.execPath, [MEMBER], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { PATH: process.env['PATH'] ?? '', [RUN_TAG_KEY]: RUN_TAG, LOG_LEVEL: 'error', CLUSTER_MODE: 'postgres', DATABASE_URL: databaseUrl, NODE_ID: id, NODE_ADVERTISE_URL: urlOf(i), CLUSTER_STORE_SECRET: 'bench-routing-store-secret-of-32-bytes-or-more', NODE_HTTP: '1' },
    }),
  );
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const { addNumbers } = (await import(pathToFileURL(path.join(ROOT, 'dist', 'cluster', 'numbers.js')).href)) as NumbersModule;
    let owner = -1;
    for (let waited = 0; owner < 0; waited += 200) {
      if (waited > 60_000) throw new Error('routing bench: the number was never owned');
      await new Promise((resolve) => setTimeout(resolve, 200));
      try {
        await addNumbers(pool as never, [NUMBER]);
        const { rows } = await pool.query<{ node_id: string }>(`SELECT a.node_id FROM assignments a JOIN nodes n USING (node_id) WHERE a.phone_number = $1 AND n.expires_at > now()`, [NUMBER]);
        // The member serves only once it holds the number: the whoami of the owner answers 200.
        if (rows[0] && (await fetch(`${urlOf(rows[0].node_id === 'r1' ? 0 : 1)}/numbers/${NUMBER}/whoami`)).status === 200) owner = rows[0].node_id === 'r1' ? 0 : 1;
      } catch {
        // not migrated or not listening yet
      }
    }
    const once = async (base: string, hops: number): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${base}/numbers/${NUMBER}/whoami`);
      const body = (await res.json()) as { hops?: number };
      const ms = performance.now() - t0;
      if (res.status !== 200 || body.hops !== hops) throw new Error(`routing bench: ${res.status}, hops ${body.hops}`);
      return ms;
    };
    // Warm both connections and the cache, then alternate the two calls so that both see the same machine load.
    for (let i = 0; i < 50; i++) {
      await once(urlOf(1 - owner), 1);
      await once(urlOf(owner), 0);
    }
    const directs: number[] = [];
    const forwards: number[] = [];
    for (let i = 0; i < options.requests; i++) {
      directs.push(await once(urlOf(owner), 0));
      forwards.push(await once(urlOf(1 - owner), 1));
    }
    const direct = distribution(directs);
    const forwarded = distribution(forwards);
    options.log(`routing: direct p50 ${direct.p50.toFixed(2)} ms, forwarded p50 ${forwarded.p50.toFixed(2)} ms over ${options.requests} calls`);
    return { directMs: direct, forwardedMs: forwarded };
  } finally {
    for (const m of members) m.kill('SIGKILL');
    await Promise.all(members.map((m) => (m.exitCode === null ? new Promise((resolve) => m.once('exit', resolve)) : undefined)));
    await pool.end();
  }
}
