/**
 * Routes as data: id, method, path pattern (`:name` segments), how the caller is authenticated, whether an
 * agent bot token may call it, and the version feature it needs. Matching is case-sensitive like Rails, a
 * trailing slash and a `.json` format suffix are ignored, HEAD is answered by GET routes.
 */
import type { Features } from '../domain/version.js';
import type { Tx } from '../events/domain-event.js';
import type { Principal } from '../services/access.js';
import type { Params } from './params.js';
import type { Reply } from './reply.js';

/** account: `/api/v1/accounts/:aid/…` with a token; user: a token, no account; public: no token. */
export type AuthMode = 'account' | 'user' | 'public';

export interface RouteCtx {
  readonly params: Params;
  readonly principal: Principal | null;
  /** The `:aid` of account routes (0 elsewhere). */
  readonly accountId: number;
  readonly tx: Tx;
  readonly accept: string;
  /** Host header, for URLs on "the same host" as the request. */
  readonly host: string;
}

export interface RoutePattern {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly feature?: keyof Features;
}

export interface RouteSpec extends RoutePattern {
  readonly id: string;
  readonly auth: AuthMode;
  readonly bots?: boolean;
  readonly handler: (ctx: RouteCtx) => Reply | Promise<Reply>;
}

export interface RouteMatch<R extends RoutePattern = RouteSpec> {
  readonly route: R;
  readonly pathParams: Record<string, string>;
}

const split = (path: string): string[] => path.split('/').filter((s) => s !== '');

export class Router<R extends RoutePattern = RouteSpec> {
  private readonly routes: { spec: R; segments: string[] }[] = [];

  add(specs: readonly R[]): this {
    for (const spec of specs) this.routes.push({ spec, segments: split(spec.path) });
    return this;
  }

  get specs(): R[] {
    return this.routes.map((r) => r.spec);
  }

  match(method: string, path: string, features?: Features): RouteMatch<R> | undefined {
    const segments = split(path.replace(/\.json$/, ''));
    const wanted = method === 'HEAD' ? 'GET' : method;
    for (const { spec, segments: pattern } of this.routes) {
      if (spec.method !== wanted || pattern.length !== segments.length) continue;
      if (spec.feature && features && !features[spec.feature]) continue;
      const params: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < pattern.length && matched; i++) {
        const want = pattern[i] ?? '';
        const got = segments[i] ?? '';
        if (want.startsWith(':')) params[want.slice(1)] = safeDecode(got);
        else matched = want === got;
      }
      if (matched) return { route: spec, pathParams: params };
    }
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
