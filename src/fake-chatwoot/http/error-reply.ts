/** The one place a FakeError becomes an HTTP answer, with the bodies the real controllers render (FC-1 in docs/fake-chatwoot.md). */
import { FakeError } from '../domain/errors.js';
import { railsPage } from './error-pages.js';
import { json, type Reply } from './reply.js';

export function errorReply(err: unknown, accept: string): Reply | undefined {
  if (!(err instanceof FakeError)) return undefined;
  switch (err.code) {
    case 'unauthenticated':
      return json(401, { errors: [err.message] });
    case 'invalid_token':
    case 'bots_forbidden':
    case 'account_forbidden':
    case 'action_forbidden':
    case 'hmac_failed':
      return json(401, { error: err.message });
    case 'forbidden':
      return json(403, { error: err.message });
    case 'not_found':
      return json(404, { error: err.message });
    case 'record_invalid':
      return json(422, { message: err.message, attributes: err.attributes });
    case 'unprocessable':
      return json(422, { error: err.message });
    case 'bad_request':
      return railsPage(400, accept);
    case 'internal':
      return railsPage(500, accept);
  }
}
