/**
 * `request.ip` as ActionDispatch::RemoteIp computes it: behind a trusted (private or loopback) proxy, the
 * nearest untrusted address in X-Forwarded-For; otherwise the peer address.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

const TRUSTED = new BlockList();
TRUSTED.addSubnet('127.0.0.0', 8, 'ipv4');
TRUSTED.addSubnet('10.0.0.0', 8, 'ipv4');
TRUSTED.addSubnet('172.16.0.0', 12, 'ipv4');
TRUSTED.addSubnet('192.168.0.0', 16, 'ipv4');
TRUSTED.addAddress('::1', 'ipv6');
TRUSTED.addSubnet('fc00::', 7, 'ipv6');

export function normaliseIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function trusted(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && TRUSTED.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export function clientIp(req: IncomingMessage): string {
  const peer = normaliseIp(req.socket.remoteAddress ?? '');
  const header = req.headers['x-forwarded-for'];
  if (!header || !trusted(peer)) return peer;
  const chain = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => normaliseIp(s.trim())).filter((s) => isIP(s) !== 0);
  for (let i = chain.length - 1; i >= 0; i--) if (!trusted(chain[i] ?? '')) return chain[i] ?? peer;
  return chain[0] ?? peer;
}

export function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1';
}
