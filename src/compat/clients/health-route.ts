import { Router } from 'express';
import { errorBody, statusFor } from '../../http/error-handler.js';
import { GatewayError } from '../../domain/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { LegacyGate } from '../legacy/legacy-routes.js';
import type { CompatCaller } from '../tenants/tenant-service.js';

/**
 * `GET /health` of the multi-client front end: `{status: 'ok', timestamp, activeClients}` (numbers connected to
 * WhatsApp that the caller sees), behind the same gate as the legacy routes (a key, or a COMPAT_ALLOW address).
 * With the legacy API at the root, its own `/health` answers first, with both sets of keys.
 */
export function clientHealthRoute(gate: LegacyGate, clock: Clock, activeClients: (caller: CompatCaller) => number): Router {
  const router = Router();
  router.get(
    '/health',
    gate.trail,
    gate.limit,
    (req, res) => {
      try {
        gate.mark(req, res, 'compat.health', {});
        const caller = gate.caller(req);
        res.json({ status: 'ok', timestamp: new Date(clock.now()).toISOString(), activeClients: activeClients(caller) });
      } catch (err) {
        const known = err instanceof GatewayError ? err : new GatewayError('INTERNAL', 'internal error');
        gate.noteError(req, res, known.code, known.code === 'UNAUTHORIZED' || known.code === 'FORBIDDEN');
        res.status(statusFor(known.code)).json(errorBody(known));
      }
    },
  );
  return router;
}
