/**
 * Every failure a route can answer, with a stable code; `http/error-reply.ts` turns it into the status and
 * body the real controllers send (FC-1 in docs/fake-chatwoot.md). Defined once here, raised by the services.
 */
export type FakeErrorCode =
  | 'unauthenticated'
  | 'invalid_token'
  | 'bots_forbidden'
  | 'account_forbidden'
  | 'action_forbidden'
  | 'hmac_failed'
  | 'forbidden'
  | 'not_found'
  | 'record_invalid'
  | 'unprocessable'
  | 'bad_request'
  | 'internal';

export class FakeError extends Error {
  constructor(
    readonly code: FakeErrorCode,
    message: string,
    /** record_invalid: `errors.attribute_names`. */
    readonly attributes: readonly string[] = [],
  ) {
    super(message);
    this.name = 'FakeError';
  }
}

/** One failed model validation: the attribute and its Rails full message ("Phone number has already been taken"). */
export type ValidationFailure = readonly [attribute: string, fullMessage: string];

export const errors = {
  /** No token header: Devise's answer. */
  unauthenticated: () => new FakeError('unauthenticated', 'You need to sign in or sign up before continuing.'),
  invalidToken: () => new FakeError('invalid_token', 'Invalid Access Token'),
  botsForbidden: () => new FakeError('bots_forbidden', 'Access to this endpoint is not authorized for bots'),
  accountForbidden: () => new FakeError('account_forbidden', 'You are not authorized to access this account'),
  /** A Pundit denial: 401, not 403. */
  actionForbidden: () => new FakeError('action_forbidden', 'You are not authorized to do this action'),
  hmacFailed: () => new FakeError('hmac_failed', 'HMAC failed: Invalid Identifier Hash Provided'),
  forbidden: (message: string) => new FakeError('forbidden', message),
  notFound: () => new FakeError('not_found', 'Resource could not be found'),
  recordInvalid: (failures: readonly ValidationFailure[]) =>
    new FakeError('record_invalid', failures.map(([, message]) => message).join(', '), [...new Set(failures.map(([attr]) => attr))]),
  unprocessable: (message: string) => new FakeError('unprocessable', message),
  badRequest: () => new FakeError('bad_request', 'Bad Request'),
  internal: (message: string) => new FakeError('internal', message),
};

/** Throws record_invalid when any failure is listed. */
export function assertValid(failures: readonly ValidationFailure[]): void {
  if (failures.length > 0) throw errors.recordInvalid(failures);
}
