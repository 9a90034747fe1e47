import { Router } from 'express';
import { z } from 'zod';
import type { ClusterView } from '../../cluster/view.js';
import type { ApiRegistry } from '../api-registry.js';

/** What the gateway knows of its cluster: nothing in single-host mode, else its own id and a reader of the view. */
export type ClusterSource = { readonly mode: 'off' } | { readonly mode: 'postgres'; readonly nodeId: string; read(): Promise<ClusterView> };

const numberSchema = z.object({ phoneNumber: z.string(), fence: z.number(), claimedAt: z.string().nullable(), failed: z.boolean() });
const nodeSchema = z.object({
  nodeId: z.string(),
  advertiseUrl: z.string(),
  capacity: z.number(),
  gowaVersion: z.string(),
  state: z.enum(['live', 'draining', 'expired']),
  joinedAt: z.string(),
  leaseAgeMs: z.number(),
  expiresInMs: z.number(),
  numbers: z.array(numberSchema),
});
const moveSchema = z.object({ phoneNumber: z.string(), fromNode: z.string().nullable(), toNode: z.string().nullable(), fence: z.number(), reason: z.string(), at: z.string() });
const clusterSchema = z.union([
  z.object({ mode: z.literal('off') }),
  z.object({ mode: z.literal('postgres'), node: z.string(), at: z.string(), nodes: z.array(nodeSchema), unowned: z.array(z.string()), moves: z.array(moveSchema), movesByReason: z.record(z.string(), z.number()) }),
]);

export function clusterRoutes(api: ApiRegistry, source: ClusterSource): Router {
  const router = Router();
  api.route(
    router,
    {
      method: 'get',
      path: '/api/cluster',
      summary: 'Distributed mode: the nodes, their lease ages and numbers, numbers nobody owns, recent moves (`mode: off` on a single host)',
      tag: 'health',
      permission: { scope: 'system:admin' },
      responses: { 200: { description: 'The cluster as the shared database has it, answered the same by every node', schema: clusterSchema } },
    },
    async (_input, _req, res) => {
      if (source.mode === 'off') {
        res.json({ mode: 'off' });
        return;
      }
      res.json({ mode: 'postgres', node: source.nodeId, ...(await source.read()) });
    },
  );
  return router;
}
