/**
 * The binary's error table (docs/binary-contract.md §5) in one place: every failure a handler raises is a
 * SimError with the HTTP status, the stable `code` and the message, and becomes a `{code, message[, results]}`
 * body in one spot.
 */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly results?: unknown,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

export const errors = {
  validation: (message: string) => new SimError(400, 'VALIDATION_ERROR', message),
  badRequest: (message: string) => new SimError(400, 'BAD_REQUEST', message),
  alreadyLoggedIn: () => new SimError(400, 'ALREADY_LOGGED_IN', 'you are already logged in.'),
  invalidJid: (jid: string) => new SimError(400, 'INVALID_JID', `Phone ${jid} is not on whatsapp`),
  notConnected: () => new SimError(401, 'AUTHENTICATION_ERROR', 'you are not connect to services server, please reconnect'),
  notLoggedIn: () => new SimError(401, 'AUTHENTICATION_ERROR', 'you are not logged in'),
  notFound: (message: string) => new SimError(404, 'NOT_FOUND', message),
  invalidWaCli: () => new SimError(500, 'INVALID_WA_CLI', 'your WhatsApp CLI is invalid or empty'),
  sessionSaved: () =>
    new SimError(500, 'SESSION_SAVED_ERROR', 'your session have been saved, please wait to connect 2 second and refresh again'),
  internal: (message: string) => new SimError(500, 'INTERNAL_SERVER_ERROR', message),
  /** The session store refused a write (Postgres mode: a fenced role, a terminated backend). Wording unconfirmed. */
  store: (what: string, cause: unknown) =>
    new SimError(500, 'INTERNAL_SERVER_ERROR', `${what}: ${cause instanceof Error ? cause.message : String(cause)}`),
  /** Fiber's 45 s request timeout. */
  gatewayTimeout: () => new SimError(504, 'GATEWAY_TIMEOUT', 'Request timed out waiting for WhatsApp server response'),
  deviceIdRequired: () =>
    new SimError(400, 'DEVICE_ID_REQUIRED', 'device_id is required via X-Device-Id header or device_id query'),
  deviceNotFound: (deviceId: string) =>
    new SimError(
      404,
      'DEVICE_NOT_FOUND',
      'device not found; create a device first from /api/devices or provide a valid X-Device-Id',
      { device_id: deviceId },
    ),
  /** Stand-in only: /_sim/pair without a QR or pairing code pending. */
  noPendingLogin: () =>
    new SimError(400, 'NO_PENDING_LOGIN', 'no pending login: call /app/login or /app/login-with-code first'),
};

/** Default `code` and message for a status injected with /_sim/fail-next. */
export function injectedError(status: number, code?: string, message?: string): SimError {
  const defaults: Record<number, [string, string]> = {
    401: ['AUTHENTICATION_ERROR', 'you are not connect to services server, please reconnect'],
    408: ['CONTEXT_ERROR', 'context deadline exceeded'],
    429: ['WA_REACHOUT_TIMELOCK', 'reach-out timelock: WhatsApp refused the message (error 463)'],
    504: ['GATEWAY_TIMEOUT', 'Request timed out waiting for WhatsApp server response'],
  };
  const [defCode, defMessage] = defaults[status] ?? ['INTERNAL_SERVER_ERROR', 'simulated failure'];
  return new SimError(status, code ?? defCode, message ?? defMessage);
}

/** One ozzo-style rule: when `ok` is false, `field` fails with `message`. */
export type FieldCheck = readonly [ok: boolean, field: string, message: string];

/**
 * Throws VALIDATION_ERROR with ozzo-validation's text for the failed rules: keys sorted,
 * `key: msg; key2: msg2.`
 */
export function validate(checks: readonly FieldCheck[]): void {
  const failed = new Map<string, string>();
  for (const [ok, field, message] of checks) if (!ok && !failed.has(field)) failed.set(field, message);
  if (failed.size === 0) return;
  const keys = [...failed.keys()].sort();
  throw errors.validation(`${keys.map((key) => `${key}: ${failed.get(key) ?? ''}`).join('; ')}.`);
}
