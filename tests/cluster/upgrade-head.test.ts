import { describe, expect, it } from '@jest/globals';
import { errorCodeOf } from '../../src/cluster/routing/refusal.js';
import { forwardedUpgradeHead, headEnd, statusOf } from '../../src/cluster/routing/upgrade-head.js';

const request = (rawHeaders: string[]): { method: string; url: string; rawHeaders: string[] } => ({ method: 'GET', url: '/proxy/whatsapp/5511930000001/ws?token=abc', rawHeaders });
const lines = (head: string): string[] => head.split('\r\n');

describe('a WebSocket upgrade forwarded to the owner (DM-20)', () => {
  it('keeps the request line, the handshake and the caller credentials; writes the owner Host, Connection: Upgrade, X-Fence and X-Hops', () => {
    const head = forwardedUpgradeHead(
      request(['Host', 'entry.test:8080', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version', '13', 'Authorization', 'Bearer caller-token', 'X-Phone-Number', '5511930000001']),
      '127.0.0.1:9121',
      7,
      1,
    );
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(lines(head).slice(0, -2)).toEqual([
      'GET /proxy/whatsapp/5511930000001/ws?token=abc HTTP/1.1',
      'Host: 127.0.0.1:9121',
      'Upgrade: websocket',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      'Authorization: Bearer caller-token',
      'X-Phone-Number: 5511930000001',
      'Connection: Upgrade',
      'X-Fence: 7',
      'X-Hops: 1',
    ]);
  });

  it('drops hop-by-hop headers, those the caller named in Connection, and the caller routing and peer headers; writes this node\'s', () => {
    const head = forwardedUpgradeHead(
      request(['host', 'entry.test', 'connection', 'keep-alive, Upgrade, X-Trace', 'upgrade', 'websocket', 'keep-alive', 'timeout=5', 'x-trace', 'drop-me', 'proxy-authorization', 'Basic eDp5', 'x-fence', '99', 'x-hops', '0', 'X-Cluster-Peer', 'forged', 'x-cluster-client', '10.0.0.1', 'cookie', 'gw_session=s']),
      'owner.test:80',
      3,
      2,
      { 'x-cluster-peer': 'proof', 'x-cluster-client': '127.0.0.9' },
    );
    expect(lines(head).slice(1, -2)).toEqual(['Host: owner.test:80', 'upgrade: websocket', 'cookie: gw_session=s', 'Connection: Upgrade', 'X-Fence: 3', 'X-Hops: 2', 'x-cluster-peer: proof', 'x-cluster-client: 127.0.0.9']);
  });

  it('reads the owner answer: where its head ends, its status, a refusal code', () => {
    const refusal = Buffer.from('HTTP/1.1 421 Misdirected Request\r\nContent-Type: application/json\r\n\r\n{"error":{"code":"CLUSTER_NOT_OWNER","message":"x"}}');
    expect(headEnd(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket'))).toBe(-1);
    expect(statusOf(refusal)).toBe(421);
    expect(statusOf(Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n'))).toBe(101);
    expect(statusOf(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toBeNull();
    expect(errorCodeOf(refusal.subarray(headEnd(refusal)))).toBe('CLUSTER_NOT_OWNER');
    expect(errorCodeOf(Buffer.from('<html>'))).toBeNull();
  });
});
