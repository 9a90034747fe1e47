/**
 * Every error the gateway means to report carries a stable code; the HTTP layer maps codes to statuses in
 * one table (src/http/error-handler.ts), so nothing below it knows about HTTP.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_BODY',
  'MALFORMED_REQUEST',
  'URL_TOO_LONG',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INVALID_CREDENTIALS',
  'NOT_FOUND',
  'DEVICE_NOT_FOUND',
  /** Distributed mode: the number's child runs on another node; this node cannot act on it. */
  'DEVICE_ON_OTHER_NODE',
  /** Distributed mode: an uploaded file reached a node that does not send the number's messages. */
  'UPLOAD_ON_OTHER_NODE',
  'DEVICE_EXISTS',
  'USER_EXISTS',
  'MAX_PROCESSES_REACHED',
  'PORT_POOL_EXHAUSTED',
  'DEVICE_NOT_RUNNING',
  'DEVICE_BUSY',
  'ALREADY_LOGGED_IN',
  'NOT_LOGGED_IN',
  'QR_TIMEOUT',
  'CHILD_UNREACHABLE',
  'CHILD_ERROR',
  'MESSAGE_NOT_FOUND',
  'CHAT_NOT_FOUND',
  'MEDIA_NOT_FOUND',
  'MEDIA_GONE',
  'MEDIA_UNAVAILABLE',
  'DELIVERY_NOT_FOUND',
  'CHATWOOT_NOT_BOUND',
  'CHATWOOT_INBOX_TAKEN',
  'CHATWOOT_UNREACHABLE',
  'USER_NOT_FOUND',
  'KEY_NOT_FOUND',
  'GRANT_NOT_FOUND',
  'LAST_ADMIN',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'QUEUE_PAUSED',
  'IDEMPOTENCY_KEY_REUSED',
  'SHUTTING_DOWN',
  'UPDATE_FAILED',
  'UPDATE_IN_PROGRESS',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

export class ValidationError extends GatewayError {
  constructor(readonly issues: readonly FieldIssue[]) {
    super('VALIDATION_FAILED', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { fields: issues });
    this.name = 'ValidationError';
  }
}

/**
 * A refusal for lack of rights: a 403, or the 404 that hides a number the caller may not see. The audit log
 * records these as `denied` (the caller cannot tell a hidden number from an unknown one; the log can).
 */
export class AccessDenied extends GatewayError {
  constructor(code: 'FORBIDDEN' | 'DEVICE_NOT_FOUND', message: string, details?: Readonly<Record<string, unknown>>) {
    super(code, message, details);
    this.name = 'AccessDenied';
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** The errors raised in many places, each worded once (the fastify habit of one definition per error). */
export const errors = {
  deviceNotFound: (phoneNumber: string) => new GatewayError('DEVICE_NOT_FOUND', `device ${phoneNumber} is not registered`),
  onOtherNode: (phoneNumber: string) => new GatewayError('DEVICE_ON_OTHER_NODE', `device ${phoneNumber} runs on another node of the cluster; GET /api/cluster names its owner`, { phoneNumber }),
  uploadOnOtherNode: (phoneNumber: string) =>
    new GatewayError('UPLOAD_ON_OTHER_NODE', `${phoneNumber} is sent by another node of the cluster, which cannot read a file uploaded here; give its URL instead (imageUrl, fileUrl), or try again`, { phoneNumber }),
  deviceExists: (phoneNumber: string) => new GatewayError('DEVICE_EXISTS', `device ${phoneNumber} is already registered`),
  deviceNotRunning: (phoneNumber: string, state: string) =>
    new GatewayError('DEVICE_NOT_RUNNING', `the process of ${phoneNumber} is not running (state: ${state}); start it first`, { state }),
  /** One wording for every bad credential (missing, malformed, expired, revoked, foreign-signed): no hint which. */
  unauthorized: (cause?: unknown) => new GatewayError('UNAUTHORIZED', 'missing, invalid or expired credentials', undefined, cause === undefined ? undefined : { cause }),
  forbidden: (reason: string, details?: Readonly<Record<string, unknown>>) => new AccessDenied('FORBIDDEN', reason, details),
  missingScope: (scope: string, who: 'key' | 'role') =>
    new AccessDenied('FORBIDDEN', who === 'key' ? `this API key lacks the scope ${scope}` : `your role lacks the scope ${scope}`, { missingScope: scope }),
  hiddenDevice: (phoneNumber: string) => new AccessDenied('DEVICE_NOT_FOUND', `device ${phoneNumber} is not registered`),
  userNotFound: (id: number | string) => new GatewayError('USER_NOT_FOUND', `user ${id} does not exist`),
  userExists: (username: string) => new GatewayError('USER_EXISTS', `user ${username} already exists`),
  keyNotFound: (id: string) => new GatewayError('KEY_NOT_FOUND', `API key ${id} does not exist`),
  invalid: (message: string) => new GatewayError('VALIDATION_FAILED', message),
  shuttingDown: () => new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down'),
} as const;
