/**
 * The control port (also mounted on the API port under `/_fake/`, ahead of outages and rate limits): JSON
 * in and out, a bad body is 400 `{error}` naming the field, an unknown account or conversation 404.
 */
import type { RequestListener } from 'node:http';
import { readRaw } from '../http/body.js';
import { errorReply } from '../http/error-reply.js';
import { json, writeReply } from '../http/reply.js';
import { Router } from '../http/router.js';
import type { Logger } from '../lib/logger.js';
import { ControlError, type ControlRoute } from './control-route.js';

export function controlPipeline(routes: readonly ControlRoute[], logger: Logger): RequestListener {
  const router = new Router<ControlRoute>().add(routes);
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const run = async (): Promise<void> => {
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (!match) return writeReply(res, json(404, { error: `no control route ${req.method ?? ''} ${url.pathname}` }), false);
      const raw = await readRaw(req);
      let body: unknown;
      try {
        body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
      } catch {
        return writeReply(res, json(400, { error: 'body: not JSON' }), false);
      }
      writeReply(res, await match.route.handler({ body, path: match.pathParams, query: url.searchParams, res }), false);
    };
    run().catch((err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof ControlError) return writeReply(res, json(400, { error: err.message }), false);
      const known = errorReply(err, 'application/json');
      if (known) return writeReply(res, known, false);
      logger.error(`control: ${(err as Error).stack ?? String(err)}`);
      writeReply(res, json(500, { error: (err as Error).message }), false);
    });
  };
}
