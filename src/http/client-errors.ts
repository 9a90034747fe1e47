import http from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../domain/errors.js';
import { statusFor, type ErrorBody } from './error-handler.js';
import { rejectUpgrade } from './upgrade-router.js';

/** A request line longer than this is reported as a too-long URL rather than as too-large headers. */
const LONG_REQUEST_LINE = 8 * 1024;

interface ParserError extends Error {
  readonly code?: string;
  /** What the parser was reading when it gave up (Node sets it on clientError). */
  readonly rawPacket?: Buffer;
}

/**
 * Requests Node's HTTP parser refuses before express runs (oversized URL or headers, bytes that are not HTTP,
 * a request that took too long to arrive) get the same JSON envelope and a fitting status, instead of Node's
 * bare status line; the connection is closed after it, since the parser cannot find the next request.
 */
export function answerClientErrors(server: http.Server): void {
  server.on('clientError', (err: ParserError, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const [code, message] = classify(err);
    rejectUpgrade(socket, statusFor(code), { error: { code, message } } satisfies ErrorBody);
  });
}

function classify(err: ParserError): [ErrorCode, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return longRequestLine(err.rawPacket)
        ? ['URL_TOO_LONG', 'the request URL is too long']
        : ['HEADERS_TOO_LARGE', `the request headers are larger than the ${http.maxHeaderSize} byte limit`];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ['REQUEST_TIMEOUT', 'the request did not arrive in time'];
    default:
      // The parser's own words say what was wrong without echoing the request (e.g. "Invalid header value char").
      return ['MALFORMED_REQUEST', `malformed HTTP request${err.message.startsWith('Parse Error: ') ? `: ${err.message.slice(13)}` : ''}`];
  }
}

/** The overflow happened in the request line: it has not ended yet, or it alone is longer than LONG_REQUEST_LINE. */
function longRequestLine(packet: Buffer | undefined): boolean {
  if (!packet || !/^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'))) return false;
  const end = packet.indexOf('\n');
  return end === -1 || end > LONG_REQUEST_LINE;
}
