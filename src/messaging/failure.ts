import { ChildHttpError } from '../gowa/client.js';
import type { SendFailure } from './retry-policy.js';

/** Error codes of a refused TCP connection: the request cannot have reached the child. */
const REFUSED = new Set(['ECONNREFUSED', 'ENOENT', 'EADDRNOTAVAIL']);

/** GatewayError(CHILD_UNREACHABLE) → fetch's TypeError → the socket error with its `code`, or a TimeoutError. */
function rootCause(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (name === 'TimeoutError') return 'timed out';
    if (typeof code === 'string' && code !== 'CHILD_UNREACHABLE' && code !== 'CHILD_ERROR') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What a GowaClient error says about a send: the child's answer, or how the connection failed. */
export function describeFailure(err: unknown): SendFailure {
  if (err instanceof ChildHttpError) return { kind: 'http', status: err.status, code: err.childCode, message: err.message };
  const cause = rootCause(err);
  const message = cause ?? (err instanceof Error ? err.message : String(err));
  return { kind: 'network', refused: cause !== undefined && REFUSED.has(cause), message };
}
