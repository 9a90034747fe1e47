import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthUser } from '../auth/tokens.js';

/** A request as the gateway's own middleware sees it: Node's, plus the user the token check found. */
export type PlainRequest = IncomingMessage & {
  auth?: AuthUser;
  /** The route pattern a lean handler served (for timing): Express's routes name themselves. */
  routeLabel?: string;
};

export type Next = (err?: unknown) => void;

/**
 * Middleware that needs nothing of Express (no `req.ip`, `res.status()`, prototypes): it runs on the lean /proxy
 * chain as it is, and Express mounts it like any other (its request and response extend Node's).
 */
export type PlainHandler = (req: PlainRequest, res: ServerResponse, next: Next) => void | Promise<void>;

export type PlainErrorHandler = (err: unknown, req: PlainRequest, res: ServerResponse, next: Next) => void;
