import type { Server } from 'socket.io';
import type { AuthUser } from '../auth/tokens.js';
import { LOG_NAMESPACE } from './log-stream.js';

/** Ended sign-in sessions lose their live sockets at once (event feed and log tail), not when their token expires. */
export function closeSessionSockets(io: Server, sessionIds: ReadonlySet<string>): void {
  for (const namespace of [io.of('/'), io.of(LOG_NAMESPACE)]) {
    for (const socket of namespace.sockets.values()) {
      const sessionId = (socket.data as { user?: AuthUser }).user?.sessionId;
      if (sessionId && sessionIds.has(sessionId)) socket.disconnect(true);
    }
  }
}
