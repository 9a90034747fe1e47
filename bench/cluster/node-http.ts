/**
 * The bench node's HTTP server on its advertise URL (NODE_HTTP=1): a small API for a number behind the cluster's
 * routing middleware (DM-20), so the fault tests and the bench call any node and see which one served.
 *   GET  /numbers/:n/whoami   the serving node, its fence, the hops and Authorization it received
 *   POST /numbers/:n/writes   a fenced write into member_writes on the owner (201), echoing the JSON body
 *   GET  /api/health          this node is up (never routed): what a load balancer in front of the nodes checks
 *   POST /_test/poison        (NODE_TEST_CONTROLS=1, never routed) make this node's cache name another node as a
 *                             number's owner: { number, node, fence } (F-16)
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import type { ClusterNodeApi } from './gateway-api.js';
import type { ErrorHandlerModule, RoutingApi, RoutingModule } from './routing-api.js';
import { INSERT_MEMBER_WRITE } from './writes.js';

const ROUTED = /^\/numbers\/([^/?]+)\//;

export interface NodeHttp {
  readonly url: string;
  close(): Promise<void>;
}

export async function startNodeHttp(options: {
  node: ClusterNodeApi;
  settings: unknown;
  nodeId: string;
  advertiseUrl: string;
  routing: RoutingModule;
  errors: ErrorHandlerModule;
  logger: unknown;
  testControls: boolean;
  forwardTimeoutMs?: number;
}): Promise<NodeHttp> {
  const { node, nodeId, routing } = options;
  const routed: RoutingApi = await routing.startRouting({
    node: node as never,
    settings: options.settings as never,
    numberOf: (req) => ROUTED.exec(req.url ?? '')?.[1] ?? null,
    clientOf: (req) => req.socket.remoteAddress,
    ...(options.forwardTimeoutMs !== undefined ? { forwardTimeoutMs: options.forwardTimeoutMs } : {}),
    logger: options.logger as never,
  });
  const app = express();
  if (options.testControls) {
    app.post('/_test/poison', express.json(), (req, res, next) => {
      const { number, node: target, fence } = req.body as { number: string; node: string; fence: number };
      routed.resolver.poison(number, target, fence).then((ok) => res.status(ok ? 204 : 404).end(), next);
    });
  }
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', node: nodeId });
  });
  app.use(routed.middleware);
  const fenceOf = (req: IncomingMessage): number => routing.servedFence(req) ?? -1;
  app.get('/numbers/:n/whoami', (req, res) => {
    res.json({ node: nodeId, number: req.params.n, fence: fenceOf(req), hops: Number(req.headers['x-hops'] ?? 0), authorization: req.headers.authorization ?? null });
  });
  app.post('/numbers/:n/writes', express.json(), (req, res, next) => {
    const fence = fenceOf(req);
    node.ownership.withFence(req.params.n, fence, (client) => client.query(INSERT_MEMBER_WRITE, [req.params.n, nodeId, fence])).then(
      () => res.status(201).json({ node: nodeId, fence, echo: req.body as unknown }),
      next,
    );
  });
  app.use(options.errors.errorHandler(options.logger as never) as unknown as express.ErrorRequestHandler);

  const target = new URL(options.advertiseUrl);
  const server = http.createServer(app as unknown as (req: IncomingMessage, res: ServerResponse) => void);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(target.port), target.hostname, resolve);
  });
  return {
    url: options.advertiseUrl,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await routed.close();
    },
  };
}
