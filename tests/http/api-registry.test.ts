import { describe, expect, it } from '@jest/globals';
import { Router } from 'express';
import { z } from 'zod';
import { ApiRegistry } from '../../src/http/api-registry.js';

const register = (body: z.ZodType) => () =>
  new ApiRegistry(() => []).route(Router(), { method: 'post', path: '/api/things', summary: 'x', tag: 't', permission: 'public', audit: 'thing.create', body, responses: { 200: { description: 'ok' } } }, () => undefined);

describe('the route registry', () => {
  it('refuses, at registration, a body schema that would let unknown fields through, at any depth', () => {
    expect(register(z.object({ name: z.string() }))).toThrow('POST /api/things: the object at body lets unknown fields through');
    expect(register(z.strictObject({ inner: z.object({ a: z.number() }).optional() }))).toThrow('the object at body.inner lets unknown fields through');
    expect(register(z.strictObject({ list: z.array(z.object({ a: z.number() })) }))).toThrow('the object at body.list[] lets unknown fields through');
    expect(register(z.union([z.strictObject({ a: z.number() }), z.object({ b: z.number() })]))).toThrow('lets unknown fields through');
  });

  it('takes closed bodies, also with refinements and unions of closed objects', () => {
    expect(register(z.strictObject({ name: z.string(), tags: z.array(z.string()).optional() }).refine(() => true))).not.toThrow();
    expect(register(z.union([z.strictObject({ reset: z.literal(true) }), z.strictObject({ a: z.number() }).partial()]))).not.toThrow();
  });
});
