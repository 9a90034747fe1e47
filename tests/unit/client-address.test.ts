import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { clientAddress, requestProtocol } from '../../src/lib/client-address.js';

/** A request from `peer` with these headers, as Express sees it with `trust proxy` set to `hops`. */
function viaExpress(hops: number, peer: string, headers: Record<string, string>): { ip: string | undefined; protocol: string; req: http.IncomingMessage } {
  const socket = new net.Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  const req = new http.IncomingMessage(socket);
  req.headers = headers;
  const app = express();
  app.set('trust proxy', hops);
  const seen = Object.create(app.request, {}) as express.Request;
  Object.setPrototypeOf(req, seen);
  const asExpress = req as unknown as express.Request;
  return { ip: asExpress.ip, protocol: asExpress.protocol, req };
}

/** The lean /proxy chain finds the client (rate limit) and scheme (QR links) as Express's request helpers do. */
describe('client address and protocol behind TRUST_PROXY hops', () => {
  const cases: [number, string, Record<string, string>][] = [
    [0, '127.0.0.1', {}],
    [0, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' }],
    [1, '127.0.0.1', {}],
    [1, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' }],
    [1, '127.0.0.1', { 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'x-forwarded-proto': 'https, http' }],
    [2, '10.0.0.2', { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' }],
    [3, '10.0.0.2', { 'x-forwarded-for': '198.51.100.7,203.0.113.9' }],
    [1, '::1', { 'x-forwarded-for': '2001:db8::1' }],
  ];
  it('reads what Express reads (the harness itself)', () => {
    expect(viaExpress(1, '127.0.0.1', { 'x-forwarded-for': '198.51.100.7, 203.0.113.9', 'x-forwarded-proto': 'https' })).toMatchObject({ ip: '203.0.113.9', protocol: 'https' });
    expect(viaExpress(0, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }).ip).toBe('127.0.0.1');
  });

  it.each(cases)('hops %d, peer %s, %j', (hops, peer, headers) => {
    const expected = viaExpress(hops, peer, headers);
    expect({ ip: clientAddress(expected.req, hops), protocol: requestProtocol(expected.req, hops) }).toEqual({ ip: expected.ip, protocol: expected.protocol });
  });
});
