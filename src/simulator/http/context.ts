/** Per-request context handed through the pipeline and to route handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Slot } from '../core/slot.js';
import { BindError, parseBody, type ParsedBody } from './body.js';
import { errors } from './errors.js';

export interface UpgradeRequest {
  readonly socket: Duplex;
  readonly head: Buffer;
}

export class Ctx {
  params: Record<string, string> = {};
  /** Set by the device middleware on device-scoped routes. */
  private resolvedSlot: Slot | undefined;
  private parsed: Promise<ParsedBody> | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** Path relative to the base path. */
    readonly path: string,
    readonly query: URLSearchParams,
    readonly upgrade?: UpgradeRequest,
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get slot(): Slot {
    if (!this.resolvedSlot) throw new Error('route registered as device-scoped without the device middleware');
    return this.resolvedSlot;
  }

  set slot(slot: Slot) {
    this.resolvedSlot = slot;
  }

  header(name: string): string {
    const value = this.req.headers[name.toLowerCase()];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  }

  /** Body for routes that "panic" on binder errors: 500 INTERNAL_SERVER_ERROR with the binder text. */
  async body(): Promise<ParsedBody> {
    try {
      return await this.rawBody();
    } catch (err) {
      if (err instanceof BindError) throw errors.internal(err.message);
      throw err;
    }
  }

  /** Body for the /devices routes, which answer 400 BAD_REQUEST `Invalid request body` instead. */
  async deviceBody(): Promise<ParsedBody> {
    try {
      return await this.rawBody();
    } catch (err) {
      if (err instanceof BindError) throw errors.badRequest('Invalid request body');
      throw err;
    }
  }

  private rawBody(): Promise<ParsedBody> {
    this.parsed ??= parseBody(this.req);
    return this.parsed;
  }

  /** Host header as Fiber's `c.Host()` sees it (used for `qr_link`). */
  get host(): string {
    return this.header('host') || 'localhost';
  }
}
