/** Shape of a `/_fake/*` route and the checked reading of its JSON body. */
import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Reply } from '../http/reply.js';
import type { RoutePattern } from '../http/router.js';

export interface ControlCtx {
  readonly body: unknown;
  readonly path: Record<string, string>;
  readonly query: URLSearchParams;
  readonly res: ServerResponse;
}

export interface ControlRoute extends RoutePattern {
  readonly handler: (ctx: ControlCtx) => Reply | Promise<Reply>;
}

/** A bad control request: 400 `{error}` naming the fields. */
export class ControlError extends Error {}

export function read<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new ControlError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

export function pathInt(ctx: ControlCtx, key: string): number {
  const value = Number(ctx.path[key]);
  if (!Number.isInteger(value) || value <= 0) throw new ControlError(`${key}: must be a positive integer`);
  return value;
}
