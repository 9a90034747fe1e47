import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../domain/errors.js';
import { describePermission, type Permission, type RouteGuard } from './route-guard.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  readonly method: Method;
  /** Express path, e.g. `/api/devices/:phone`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** Who may call it (checked before anything else); see route-guard.ts. */
  readonly permission: Permission;
  /** Audit action of a state-changing route (`number.start`); every route but GET must name one. */
  readonly audit?: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Documented answers: status → description (and schema when JSON). */
  readonly responses: Readonly<Record<number, { readonly description: string; readonly schema?: z.ZodType }>>;
}

export interface Validated<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  readonly body: z.output<B>;
}

export type Handler<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> = (
  input: Validated<P, Q, B>,
  req: Request,
  res: Response,
) => Promise<void> | void;

type Empty = z.ZodObject<Record<string, never>>;

function toIssues(where: string, error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : where,
    message: issue.message,
  }));
}

/**
 * One list of routes, used twice: to validate requests (the same zod schemas) and to generate the OpenAPI 3.1
 * document, so the docs cannot drift from what the server accepts.
 */
export class ApiRegistry {
  private readonly specs: RouteSpec<AnyObject, AnyObject, z.ZodType>[] = [];

  /** `guard`: the permission checks put in front of every route (the access policy's). */
  constructor(private readonly guard: RouteGuard) {}

  route<P extends AnyObject = Empty, Q extends AnyObject = Empty, B extends z.ZodType = z.ZodUndefined>(
    router: Router,
    spec: RouteSpec<P, Q, B>,
    handler: Handler<P, Q, B>,
    ...before: RequestHandler[]
  ): void {
    if (spec.method !== 'get' && !spec.audit) throw new Error(`${spec.method.toUpperCase()} ${spec.path} changes state: name its audit action`);
    this.specs.push(spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType>);
    const validate = (req: Request, res: Response, next: NextFunction): void => {
      const issues: FieldIssue[] = [];
      const parse = <T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> | undefined => {
        if (!schema) return undefined;
        const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
        if (result.success) return result.data;
        issues.push(...toIssues(where, result.error));
        return undefined;
      };
      const params = parse(spec.params, req.params, 'path');
      const query = parse(spec.query, req.query, 'query');
      const body = parse(spec.body, req.body, 'body');
      if (issues.length > 0) {
        next(new ValidationError(issues));
        return;
      }
      Promise.resolve(handler({ params, query, body } as Validated<P, Q, B>, req, res)).catch(next);
    };
    router[spec.method](spec.path, ...this.guard(spec), ...before, validate);
  }

  document(info: { title: string; version: string; description: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const spec of this.specs) {
      const openPath = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\{\*?splat\}|\*splat/g, '{path}');
      const operation: Record<string, unknown> = {
        summary: spec.summary,
        tags: [spec.tag],
        parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
        responses: Object.fromEntries(
          Object.entries(spec.responses).map(([status, r]) => [
            status,
            r.schema ? { description: r.description, content: { 'application/json': { schema: jsonSchema(r.schema) } } } : { description: r.description },
          ]),
        ),
      };
      if (spec.body) operation['requestBody'] = { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } };
      operation['x-permission'] = describePermission(spec.permission);
      if (spec.audit) operation['x-audit-action'] = spec.audit;
      if (spec.permission !== 'public') operation['security'] = [{ bearerAuth: [] }, { apiKey: [] }];
      (paths[openPath] ??= {})[spec.method] = operation;
    }
    return {
      openapi: '3.1.0',
      info,
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from POST /api/auth/login (or a dashboard session)' },
          apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'wmg_<env>_<id>_<secret>', description: 'An API key from POST /api/keys, in the same Authorization: Bearer header' },
        },
      },
      paths,
    };
  }
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: AnyObject | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}
