import type { DeviceRow } from '../../db/schema.js';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import type { AccountService } from '../../auth/accounts.js';
import type { AccessPolicy } from '../../auth/policy.js';
import type { AuditFilter, AuditVisibility } from '../../db/repositories/audit.js';
import type { AuditRow } from '../../db/schema-access.js';
import type { ApiRegistry } from '../api-registry.js';
import { currentPrincipal } from '../auth-middleware.js';
import { errorSchema, numberKey } from '../schemas.js';

export interface AuditRouteDeps {
  readonly audit: AuditLog;
  readonly policy: AccessPolicy;
  readonly accounts: AccountService;
}

const RESULTS = ['ok', 'denied', 'error'] as const;
const filterQuery = z.object({
  actor: z.string().min(1).max(64).optional().meta({ description: 'User name or user id (an API key acts as its owner)' }),
  keyId: z.string().regex(/^[a-z2-7]{8}$/).optional(),
  number: numberKey.optional().meta({ description: 'A number; for a number created before its phone was known, its pending id finds the rows written before it paired' }),
  action: z.string().regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'an action like number.logout, or a prefix like number.*').max(64).optional(),
  result: z.enum(RESULTS).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
const entrySchema = z
  .object({
    id: z.number(),
    at: z.string(),
    actor: z.object({ type: z.enum(['user', 'api_key', 'system', 'anonymous']), id: z.number().nullable(), name: z.string().nullable(), keyId: z.string().nullable() }),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    phoneNumber: z.string().nullable(),
    params: z.record(z.string(), z.unknown()).nullable(),
    result: z.enum(RESULTS),
    httpStatus: z.number().nullable(),
    errorCode: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({
    id: 'AuditEntry',
    examples: [
      {
        id: 4182,
        at: '2026-03-02T15:02:11.204Z',
        actor: { type: 'user', id: 4, name: 'ana', keyId: null },
        ip: '203.0.113.7',
        userAgent: 'Mozilla/5.0',
        requestId: '5f0c…',
        action: 'number.logout',
        target: { type: 'number', id: '5511999999999' },
        phoneNumber: '5511999999999',
        params: null,
        result: 'ok',
        httpStatus: 200,
        errorCode: null,
        prevHash: '9a1e…',
        hash: '3c77…',
      },
    ],
  });

export function auditView(row: AuditRow): z.input<typeof entrySchema> {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: { type: row.actorType, id: row.actorId, name: row.actorName, keyId: row.keyId },
    ip: row.ip,
    userAgent: row.userAgent,
    requestId: row.requestId,
    action: row.action,
    target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
    phoneNumber: row.phoneNumber,
    params: row.params,
    result: row.result,
    httpStatus: row.httpStatus,
    errorCode: row.errorCode,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** The audit log: filtered pages (newest first, with a cursor), an NDJSON export, and the chain check. */
/** A number's rows are under its phone, and, written before it paired, under the pending id it was created with. */
function keysOf(row: DeviceRow): string[] {
  return row.pendingId && row.pendingId !== row.phoneNumber ? [row.phoneNumber, row.pendingId] : [row.phoneNumber];
}

export function auditRoutes(api: ApiRegistry, deps: AuditRouteDeps): Router {
  const router = Router();
  const { audit, policy, accounts } = deps;

  /** Admins see every row; others the rows of numbers they manage, and their own actions on numbers they can see. */
  const visibility = (req: Request): AuditVisibility => {
    const principal = currentPrincipal(req);
    if (policy.seesEverything(principal)) return { all: true };
    const managed = policy.visible(principal, 'audit:read', 'manager').flatMap(keysOf);
    return { all: false, managed, visible: policy.levels(principal).flatMap((l) => keysOf(l.row)), actorId: principal.user.id };
  };
  const filterOf = (query: z.output<typeof filterQuery>): AuditFilter | null => {
    let actorId: number | undefined;
    if (query.actor !== undefined) {
      const id = /^[0-9]+$/.test(query.actor) ? Number(query.actor) : accounts.list().find((a) => a.username === query.actor)?.id;
      if (id === undefined) return null;
      actorId = id;
    }
    return {
      ...(actorId !== undefined ? { actorId } : {}),
      ...(query.keyId !== undefined ? { keyId: query.keyId } : {}),
      ...(query.number !== undefined ? { phoneNumber: query.number } : {}),
      ...(query.action !== undefined ? { action: query.action } : {}),
      ...(query.result !== undefined ? { result: query.result } : {}),
      ...(query.from !== undefined ? { from: Date.parse(query.from) } : {}),
      ...(query.to !== undefined ? { to: Date.parse(query.to) } : {}),
    };
  };

  api.route(
    router,
    {
      method: 'get',
      path: '/api/audit',
      summary: 'Audit log, newest first: filter by actor, keyId, number, action (or prefix.*), result, from/to; continue with cursor = nextCursor',
      tag: 'audit',
      permission: { scope: 'audit:read' },
      query: filterQuery.extend({ cursor: z.number().int().min(1).optional(), limit: z.number().int().min(1).max(500).default(100) }),
      responses: { 200: { description: 'One page', schema: z.object({ entries: z.array(entrySchema), nextCursor: z.string().nullable() }) } },
    },
    async ({ query }, req, res) => {
      const filter = filterOf(query);
      const rows = filter ? await audit.page(filter, visibility(req), query.cursor ?? null, query.limit) : [];
      const last = rows.at(-1);
      res.json({ entries: rows.map(auditView), nextCursor: rows.length === query.limit && last ? String(last.id) : null });
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/audit/export',
      summary: 'The audit log as NDJSON (one entry per line, oldest first), with the same filters and visibility',
      tag: 'audit',
      permission: { scope: 'audit:read' },
      query: filterQuery,
      responses: { 200: { description: 'application/x-ndjson' } },
    },
    async ({ query }, req, res) => {
      const filter = filterOf(query);
      res.status(200).set({ 'Content-Type': 'application/x-ndjson; charset=utf-8', 'Content-Disposition': 'attachment; filename="audit.ndjson"', 'Cache-Control': 'no-store' });
      if (filter) await exportRows(res, (after) => audit.ascending(filter, visibility(req), after, 1000));
      res.end();
    },
  );

  api.route(
    router,
    {
      method: 'get',
      path: '/api/audit/verify',
      summary: 'Walk the hash chain (admins): an edited or deleted row is named; note headHash elsewhere to detect a rewrite of the whole chain',
      tag: 'audit',
      permission: { scope: 'audit:read', admin: true },
      responses: {
        200: {
          description: 'Verdict',
          schema: z.object({ ok: z.boolean(), checked: z.number(), firstId: z.number().nullable(), lastId: z.number().nullable(), headHash: z.string().nullable(), problem: z.object({ id: z.number(), reason: z.string() }).optional() }),
        },
        403: { description: 'Not an admin', schema: errorSchema },
      },
    },
    async (_input, _req, res) => {
      res.json(await audit.verify());
    },
  );
  return router;
}

/** Page by page, waiting for the socket to drain, so a large export neither blocks nor buffers the gateway. */
async function exportRows(res: Response, next: (after: number) => Promise<AuditRow[]>): Promise<void> {
  for (let after = 0; !res.destroyed; ) {
    const rows = await next(after);
    if (rows.length === 0) return;
    const chunk = rows.map((row) => JSON.stringify(auditView(row))).join('\n') + '\n';
    if (!res.write(chunk)) await new Promise((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
    after = rows.at(-1)?.id ?? after;
  }
}
