/**
 * The parts of the built gateway (dist/) the bench node's HTTP server uses for routing (DM-20), typed by hand like
 * gateway-api.ts; tests/cluster/support/routing-api-shape.ts checks them against the real modules.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type Next = (err?: unknown) => void;

export interface RoutingApi {
  readonly middleware: (req: IncomingMessage, res: ServerResponse, next: Next) => void;
  readonly resolver: { poison(phoneNumber: string, nodeId: string, fence: number): Promise<boolean> };
  close(): Promise<void>;
}

export interface RoutingModule {
  startRouting(options: { node: never; settings: never; numberOf: (req: IncomingMessage) => string | null; clientOf: (req: IncomingMessage) => string | undefined; forwardTimeoutMs?: number; logger?: never }): Promise<RoutingApi>;
  servedFence(req: IncomingMessage): number | undefined;
}

export interface ErrorHandlerModule {
  errorHandler(logger: never): (err: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void;
}
