import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../domain/errors.js';
import { describePermission, type Permission, type RouteGuard } from './route-guard.js';
import { fromText, type JsonSchemaNode } from './text-input.js';
import { toIssues } from './zod-issues.js';

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
  /** A JSON object whose every object level refuses unknown fields (`z.strictObject` / `.strict()`). */
  readonly body?: B;
  /**
   * The body may also come as multipart/form-data: the file in `file` (parsed by a `before` handler into
   * `req.file`), the other fields as text, converted to the body schema's types by `fromText`.
   */
  readonly upload?: { readonly file: string; readonly description: string };
  /**
   * The body is another system's signed webhook: taken as bytes (a `before` handler reads it into a Buffer, since
   * the signature covers the exact bytes) and parsed by the handler after the signature is checked, so none of the
   * JSON rules above apply. Documented as `x-signed-body` with the header that carries the signature.
   */
  readonly signedBody?: { readonly description: string; readonly signatureHeader: string };
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

interface Registered {
  readonly spec: RouteSpec<AnyObject, AnyObject, z.ZodType>;
  /** JSON schemas of the inputs (the types text is converted to), made on first use but the body's. */
  readonly params: () => JsonSchemaNode | null;
  readonly query: () => JsonSchemaNode | null;
  readonly body: JsonSchemaNode | null;
}

/**
 * One list of routes, used twice: to validate requests (the same zod schemas) and to generate the OpenAPI 3.1
 * document, so the docs cannot drift from what the server accepts. The rules every route gets from here:
 * - JSON bodies are taken as typed, never coerced (`true` is not a number, `[60]` is not 60), and unknown
 *   fields are refused with 400 naming them: a body schema that would let one through fails at registration.
 * - Path segments, query strings and multipart text fields are text: `fromText` converts them to the declared
 *   types strictly (`limit=1e3x`, `limit=1&limit=2` are refused).
 * - A route without a body schema takes no body.
 */
export class ApiRegistry {
  private readonly routes: Registered[] = [];

  /** `guard`: the permission checks put in front of every route (the access policy's). */
  constructor(private readonly guard: RouteGuard) {}

  route<P extends AnyObject = Empty, Q extends AnyObject = Empty, B extends z.ZodType = z.ZodUndefined>(
    router: Router,
    spec: RouteSpec<P, Q, B>,
    handler: Handler<P, Q, B>,
    ...before: RequestHandler[]
  ): void {
    if (spec.method !== 'get' && !spec.audit) throw new Error(`${spec.method.toUpperCase()} ${spec.path} changes state: name its audit action`);
    const entry: Registered = {
      spec: spec as unknown as RouteSpec<AnyObject, AnyObject, z.ZodType>,
      params: once(spec.params),
      query: once(spec.query),
      body: spec.body ? jsonSchema(spec.body) : null,
    };
    if (entry.body) assertClosed(entry.body, `${spec.method.toUpperCase()} ${spec.path}`, 'body');
    this.routes.push(entry);
    const validate = (req: Request, res: Response, next: NextFunction): void => {
      const issues: FieldIssue[] = [];
      const check = <T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.output<T> | undefined => {
        if (!schema) return undefined;
        const result = schema.safeParse(value);
        if (result.success) return result.data;
        // A field already refused by the text conversion is not reported twice.
        const seen = new Set(issues.map((i) => i.field));
        issues.push(...toIssues(where, result.error).filter((i) => !seen.has(i.field)));
        return undefined;
      };
      const text = (schema: JsonSchemaNode | null, value: unknown): Record<string, unknown> =>
        schema ? fromText(schema, (value ?? {}) as Record<string, unknown>, issues) : {};
      const params = check(spec.params, text(entry.params(), req.params), 'path');
      const query = check(spec.query, text(entry.query(), req.query), 'query');
      const body = check(spec.body, this.bodyOf(entry, req, issues), 'body');
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
    for (const { spec, params, query, body } of this.routes) {
      const openPath = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\{\*?splat\}|\*splat/g, '{path}');
      const operation: Record<string, unknown> = {
        summary: spec.summary,
        tags: [spec.tag],
        parameters: [...parameters(params(), 'path'), ...parameters(query(), 'query')],
        responses: Object.fromEntries(
          Object.entries(spec.responses).map(([status, r]) => [
            status,
            r.schema ? { description: r.description, content: { 'application/json': { schema: jsonSchema(r.schema) } } } : { description: r.description },
          ]),
        ),
      };
      if (spec.signedBody) {
        operation['requestBody'] = { required: true, description: spec.signedBody.description, content: { 'application/json': { schema: { type: 'object' } } } };
        operation['x-signed-body'] = { signatureHeader: spec.signedBody.signatureHeader };
      } else if (body) {
        const content: Record<string, unknown> = { 'application/json': { schema: body } };
        if (spec.upload) content['multipart/form-data'] = { schema: multipartSchema(body, spec.upload) };
        operation['requestBody'] = { required: true, content };
      }
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

  /** The body to validate: JSON as it came, multipart text fields converted, nothing where none is taken. */
  private bodyOf(entry: Registered, req: Request, issues: FieldIssue[]): unknown {
    const raw: unknown = req.body;
    if (entry.spec.signedBody) return undefined;
    if (!entry.body) {
      const empty = raw === undefined || (isRecord(raw) && Object.keys(raw).length === 0);
      if (!empty) issues.push({ field: 'body', message: 'this route takes no body' });
      return undefined;
    }
    if (entry.spec.upload && req.is('multipart/form-data')) return fromText(entry.body, { ...(raw as Record<string, unknown>) }, issues);
    // Bytes came, but in a type nobody parsed (text/plain, say): refused, even where the body is optional.
    if (raw === undefined && hasBody(req)) issues.push({ field: 'body', message: 'must be JSON (Content-Type: application/json)' });
    return raw;
  }
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function once(schema: z.ZodType | undefined): () => JsonSchemaNode | null {
  let made: JsonSchemaNode | null | undefined;
  return () => (made ??= schema ? jsonSchema(schema) : null);
}

function jsonSchema(schema: z.ZodType): JsonSchemaNode {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Every object level of a body schema must refuse unknown fields; a route that would not fails at start. */
function assertClosed(node: JsonSchemaNode, route: string, at: string): void {
  if (node.properties !== undefined && node.additionalProperties !== false) {
    throw new Error(`${route}: the object at ${at} lets unknown fields through; declare it with z.strictObject() or .strict()`);
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) assertClosed(child, route, `${at}.${name}`);
  for (const child of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) assertClosed(child, route, at);
  if (node.items) assertClosed(node.items, route, `${at}[]`);
}

function multipartSchema(body: JsonSchemaNode, upload: { readonly file: string; readonly description: string }): JsonSchemaNode {
  return {
    ...body,
    description: `${upload.description}. Text fields are converted to the JSON types: integers as digits, booleans as true/false.`,
    properties: { ...(body.properties ?? {}), [upload.file]: { type: 'string', format: 'binary' } },
  };
}

function parameters(json: JsonSchemaNode | null, where: 'path' | 'query'): Record<string, unknown>[] {
  if (!json) return [];
  const required = (json['required'] as string[] | undefined) ?? [];
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    schema: s,
  }));
}
