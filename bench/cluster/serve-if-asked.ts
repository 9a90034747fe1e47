/**
 * NODE_HTTP=1: the bench node (member.ts or node.ts) serves its routed API on NODE_ADVERTISE_URL (node-http.ts).
 * NODE_FORWARD_TIMEOUT (ms) bounds a forwarded call; NODE_TEST_CONTROLS=1 adds the cache-poison control (F-16).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClusterNodeApi } from './gateway-api.js';
import { jsonLines } from './json-lines.js';
import { startNodeHttp, type NodeHttp } from './node-http.js';
import type { ErrorHandlerModule, RoutingModule } from './routing-api.js';

export async function serveIfAsked(env: NodeJS.ProcessEnv, root: string, node: ClusterNodeApi, settings: unknown, logger: unknown): Promise<NodeHttp | null> {
  if (env['NODE_HTTP'] !== '1') return null;
  const load = async <T>(relative: string): Promise<T> => (await import(pathToFileURL(path.join(root, 'dist', relative)).href)) as T;
  const [routing, errors] = await Promise.all([load<RoutingModule>('cluster/index.js'), load<ErrorHandlerModule>('http/error-handler.js')]);
  const nodeId = env['NODE_ID'] ?? '?';
  const timeout = env['NODE_FORWARD_TIMEOUT'];
  const web = await startNodeHttp({
    node,
    settings,
    nodeId,
    advertiseUrl: env['NODE_ADVERTISE_URL'] ?? '',
    routing,
    errors,
    logger,
    testControls: env['NODE_TEST_CONTROLS'] === '1',
    ...(timeout ? { forwardTimeoutMs: Number(timeout) } : {}),
  });
  jsonLines(nodeId, 'NODE_FAILED').say('http-ready', { url: web.url });
  return web;
}
