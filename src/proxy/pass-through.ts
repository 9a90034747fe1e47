import http, { type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { GatewayError } from '../domain/errors.js';
import { errorBody, statusFor } from '../http/error-handler.js';
import type { Logger } from '../lib/logger.js';
import type { ProxyTarget } from './targets.js';

/** Caller headers the child must never see: the gateway's token, cookies, and the gateway's own routing header. */
export const STRIPPED_HEADERS: readonly string[] = ['authorization', 'cookie', 'x-phone-number', 'x-device-id', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];
const STRIPPED = new Set(STRIPPED_HEADERS);

export interface ForwardOptions {
  /** Buffer the child's answer and send `rewrite(body)` instead (Content-Length adjusted). */
  readonly rewrite?: (body: Buffer, answer: IncomingMessage) => Buffer;
  /** Sees the child's answer (status, headers) before it is passed on. */
  readonly onAnswer?: (answer: IncomingMessage) => void;
  /** Sees the request to the child before its body is written (to read what is sent, untouched). */
  readonly onRequest?: (upstream: ClientRequest) => void;
}

/**
 * One proxied HTTP exchange with a child, as lean as a hop can be: the caller's request streamed to the child
 * over a keep-alive connection with the child's credentials (and nothing of the caller's), the answer streamed
 * back with its status and headers. What http-proxy did for us, kept: `Host` is the child's, a missing
 * `Connection` answer header is the caller's (HTTP/1.0 callers get `close` and no chunking), a caller who hangs
 * up cancels the call, no answer within the timeout or a dead child is a 502 in the gateway's error envelope.
 */
export class PassThrough {
  /** Idle sockets are dropped after 4 s, before a server's usual 5 s keep-alive timeout. */
  private readonly agent = new http.Agent({ keepAlive: true, timeout: 4000 });

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves when the exchange is over (answered, failed, or abandoned by the caller); never rejects. */
  forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, options: ForwardOptions = {}): Promise<void> {
    return new Promise((resolve) => {
      if (res.writableFinished || req.destroyed) {
        resolve();
        return;
      }
      const headers: OutgoingHttpHeaders = {};
      for (const name in req.headers) if (!STRIPPED.has(name)) headers[name] = req.headers[name];
      headers['host'] = `127.0.0.1:${target.port}`;
      headers['authorization'] = target.authorization;
      // The gateway's slot on each child (docs/binary-contract.md §6): named after the number, or its pending id.
      headers['x-device-id'] = target.deviceId;
      // A rewritten answer must be readable here: ask the child for it uncompressed.
      if (options.rewrite) delete headers['accept-encoding'];
      const upstream = http.request({ host: '127.0.0.1', port: target.port, method: req.method, path: requestPath(target.childPath), headers, agent: this.agent });
      options.onRequest?.(upstream);
      let answered = false;
      const fail = (err: Error): void => {
        // Late news from a call whose answer is already complete changes nothing.
        if (res.writableFinished) return;
        if (answered && res.headersSent) {
          res.destroy();
          return;
        }
        // The caller hung up: nobody to answer.
        if (req.socket.destroyed) return;
        this.logger.warn({ err: err.message, phoneNumber: target.phoneNumber }, 'proxy: child did not answer');
        const error = new GatewayError('CHILD_UNREACHABLE', "the number's process did not answer");
        const body = JSON.stringify(errorBody(error));
        res.writeHead(statusFor(error.code), { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      upstream.setTimeout(this.timeoutMs, () => upstream.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      upstream.on('error', fail);
      req.on('error', (err) => upstream.destroy(err));
      res.once('close', () => {
        // The caller hung up before the answer was complete: so does the call to the child.
        if (!res.writableFinished) upstream.destroy();
        resolve();
      });
      upstream.on('response', (answer) => {
        answered = true;
        options.onAnswer?.(answer);
        const out = answerHeaders(req, answer);
        answer.on('error', () => res.destroy());
        if (!options.rewrite) {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          answer.pipe(res);
          return;
        }
        const rewrite = options.rewrite;
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = rewrite(Buffer.concat(chunks), answer);
          delete out['transfer-encoding'];
          delete out['content-encoding'];
          out['content-length'] = body.length;
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          res.end(body);
        });
      });
      // A bodiless request ends at once; anything else (uploads) streams through as it arrives.
      if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
        req.resume();
        upstream.end();
      } else req.pipe(upstream);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Repeated slashes in the path collapse to one (the query is left alone), as they always did through http-proxy:
 * a path starting with `//` would otherwise read as a host name to a URL parser on the other side.
 */
export function requestPath(childPath: string): string {
  const at = childPath.indexOf('?');
  return at < 0 ? childPath.replace(/\/{2,}/g, '/') : `${childPath.slice(0, at).replace(/\/{2,}/g, '/')}${childPath.slice(at)}`;
}

/** The child's answer headers for the caller (http-proxy's rules for Connection and HTTP/1.0 callers). */
function answerHeaders(req: IncomingMessage, answer: IncomingMessage): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...answer.headers };
  // The child's Basic realm means nothing to the gateway's callers (they use the gateway's token).
  delete out['www-authenticate'];
  if (req.httpVersion === '1.0') {
    delete out['transfer-encoding'];
    out['connection'] = req.headers.connection ?? 'close';
  } else if (out['connection'] === undefined) out['connection'] = req.headers.connection ?? 'keep-alive';
  return out;
}
