import { describe, expect, it } from '@jest/globals';
import { AddressList } from '../../src/auth/address-list.js';
import { formatKey, newKeyId, newSecret, parseKey, SecretHasher } from '../../src/auth/key-format.js';
import { LoginThrottle } from '../../src/auth/login-throttle.js';
import { canonical, GENESIS, rowHash } from '../../src/audit/chain.js';
import { redactParams } from '../../src/audit/redact.js';
import { atLeast, KEY_PRESETS, KEY_SCOPES, ROLE_SCOPES, SCOPES, scopeLevel } from '../../src/domain/access.js';
import { passwordProblem } from '../../src/domain/password-policy.js';
import { GatewayError } from '../../src/domain/errors.js';
import type { Clock } from '../../src/lib/clock.js';
import { proxyPermission } from '../../src/proxy/permissions.js';

describe('the access model tables', () => {
  it('orders grant levels read < agent < operator < manager', () => {
    expect(atLeast('manager', 'operator')).toBe(true);
    expect(atLeast('agent', 'operator')).toBe(false);
    expect(atLeast(null, 'read')).toBe(false);
  });

  it('keeps users:manage and system:admin for admins, and viewers read-only', () => {
    expect(ROLE_SCOPES.admin.size).toBe(SCOPES.length);
    expect(ROLE_SCOPES.user.has('users:manage') || ROLE_SCOPES.user.has('system:admin')).toBe(false);
    for (const scope of ROLE_SCOPES.viewer) expect(['numbers:read', 'messages:read', 'media:read', 'events:subscribe', 'keys:manage', 'account']).toContain(scope);
    expect(KEY_SCOPES).not.toContain('account');
    expect(KEY_SCOPES).toContain('compat');
  });

  it('builds every preset from key scopes', () => {
    for (const scopes of Object.values(KEY_PRESETS)) for (const scope of scopes) expect(KEY_SCOPES).toContain(scope);
    expect(scopeLevel('messages:send')).toBe('agent');
    expect(scopeLevel('numbers:delete')).toBe('manager');
  });
});

describe('API key format', () => {
  it('makes wmg_<env>_<id>_<secret> keys that parse back, and nothing else parses', () => {
    const id = newKeyId();
    const secret = newSecret();
    expect(id).toMatch(/^[a-z2-7]{8}$/);
    expect(secret).toMatch(/^[A-Za-z0-9]{43}$/);
    const key = formatKey('live', id, secret);
    expect(parseKey(key)).toEqual({ env: 'live', id, secret });
    for (const bad of [`${key}x`, key.slice(0, -1), key.replace('wmg_live', 'wmg_prod'), key.replace(id, id.toUpperCase()), 'eyJhbGciOi.x.y', '']) expect(parseKey(bad)).toBeNull();
    expect(new Set(Array.from({ length: 200 }, newSecret)).size).toBe(200);
  });

  it('hashes secrets with the pepper: another pepper gives another hash', () => {
    const a = new SecretHasher('pepper-one-pepper-one-pepper-one-!!');
    const b = new SecretHasher('pepper-two-pepper-two-pepper-two-!!');
    expect(SecretHasher.same(a.hash('s'), a.hash('s'))).toBe(true);
    expect(SecretHasher.same(a.hash('s'), b.hash('s'))).toBe(false);
    expect(a.hash('s')).toHaveLength(32);
  });
});

describe('client address allow-lists', () => {
  it('matches IPv4 and IPv6 ranges, IPv4-mapped addresses as IPv4, and refuses what is not listed', () => {
    const { list, problems } = AddressList.parse(['203.0.113.0/24', '2001:db8::/32', '198.51.100.7']);
    expect(problems).toEqual([]);
    expect(list.entries).toEqual(['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32']);
    expect(list.allows('203.0.113.99')).toBe(true);
    expect(list.allows('::ffff:203.0.113.5')).toBe(true);
    expect(list.allows('2001:db8:1::5')).toBe(true);
    expect(list.allows('198.51.100.7')).toBe(true);
    expect(list.allows('198.51.100.8')).toBe(false);
    expect(list.allows('10.0.0.1')).toBe(false);
    expect(list.allows(null)).toBe(false);
    expect(list.allows('not-an-ip')).toBe(false);
  });

  it('names entries that are not ranges', () => {
    expect(AddressList.parse(['10.0.0.0/33', 'example.com', '1.2.3.4/8']).problems).toHaveLength(2);
  });
});

describe('failed-login throttle', () => {
  const clock = (): Clock & { advance(ms: number): void } => {
    let now = 1_000_000;
    return { now: () => now, random: () => 0.5, setTimeout, clearTimeout, advance: (ms) => (now += ms) };
  };
  const refused = (fn: () => void): number | null => {
    try {
      fn();
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).code).toBe('RATE_LIMITED');
      return (err as GatewayError).details?.['retryAfterSeconds'] as number;
    }
  };

  it('refuses a user name after N failures until the oldest leaves the window, whatever the address', () => {
    const c = clock();
    const throttle = new LoginThrottle(c, { maxPerUser: 3, maxPerAddress: 100, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(refused(() => throttle.check('Alice', `10.0.0.${i}`))).toBeNull();
      throttle.failed('Alice', `10.0.0.${i}`);
      c.advance(1000);
    }
    expect(refused(() => throttle.check('alice', '10.9.9.9'))).toBe(57);
    expect(refused(() => throttle.check('bob', '10.9.9.9'))).toBeNull();
    c.advance(57_000);
    expect(refused(() => throttle.check('alice', '10.9.9.9'))).toBeNull();
  });

  it('refuses an address after N failures across user names; a success clears only its user name', () => {
    const c = clock();
    const throttle = new LoginThrottle(c, { maxPerUser: 2, maxPerAddress: 3, windowMs: 60_000 });
    throttle.failed('a', '10.0.0.1');
    throttle.succeeded('a');
    expect(refused(() => throttle.check('a', '10.0.0.2'))).toBeNull();
    throttle.failed('b', '10.0.0.1');
    throttle.failed('c', '10.0.0.1');
    expect(refused(() => throttle.check('d', '10.0.0.1'))).toBe(60);
    expect(refused(() => throttle.check('d', '10.0.0.2'))).toBeNull();
  });
});

describe('password policy', () => {
  it('checks only the length outside production', () => {
    expect(passwordProblem('short', 'alice', false)).toMatch(/at least 8/);
    expect(passwordProblem('alice-password', 'alice', false)).toBeNull();
  });

  it('refuses short, name-containing, default and repeated passwords in production', () => {
    expect(passwordProblem('elevenchars', 'alice', true)).toMatch(/at least 12/);
    expect(passwordProblem('my-alice-password', 'alice', true)).toMatch(/user name/);
    expect(passwordProblem('password1234', 'bob', true)).toMatch(/default/);
    expect(passwordProblem('aaaaaaaaaaaaaa', 'bob', true)).toMatch(/repeated/);
    expect(passwordProblem('correct horse battery', 'bob', true)).toBeNull();
  });
});

describe('audit redaction and chain', () => {
  it('removes secrets and message bodies, keeps the recipient and lengths', () => {
    const out = redactParams({
      from: '5511999999999',
      to: '5511888888888',
      message: 'private words',
      password: 'hunter2hunter2',
      webhookSecret: 'abc12345',
      newPassword: 'x',
      webhookUrl: 'https://hooks.slack.com/services/T0/B0/SECRETPATH?token=q',
      nested: { apiKey: 'wmg_live_x', caption: 'hello' },
      list: Array.from({ length: 60 }, (_, i) => i),
    });
    expect(out).toMatchObject({ from: '5511999999999', to: '5511888888888', message: { length: 13 }, password: '[redacted]', webhookSecret: '[redacted]', newPassword: '[redacted]', webhookUrl: 'https://hooks.slack.com', nested: { apiKey: '[redacted]', caption: { length: 5 } } });
    expect((out?.['list'] as unknown[]).length).toBe(51);
    const text = JSON.stringify(out);
    for (const secret of ['private words', 'hunter2', 'abc12345', 'SECRETPATH', 'token=q', 'wmg_live_x']) expect(text).not.toContain(secret);
    expect(redactParams(undefined)).toBeNull();
    expect(redactParams('text')).toBeNull();
  });

  it('hashes a row with its predecessor, independent of key order in params', () => {
    const row = {
      at: 1,
      actorType: 'user' as const,
      actorId: 1,
      actorName: 'admin',
      keyId: null,
      ip: '127.0.0.1',
      userAgent: null,
      requestId: 'r',
      action: 'number.start',
      targetType: 'number',
      targetId: '5511',
      phoneNumber: '5511',
      params: { b: 1, a: { d: 2, c: 3 } },
      result: 'ok' as const,
      httpStatus: 200,
      errorCode: null,
    };
    const first = rowHash(GENESIS, row);
    expect(rowHash(GENESIS, { ...row, params: { a: { c: 3, d: 2 }, b: 1 } })).toBe(first);
    expect(rowHash(GENESIS, { ...row, result: 'denied' })).not.toBe(first);
    expect(rowHash(first, row)).not.toBe(first);
    expect(canonical({ b: [{ z: 1, y: 2 }], a: null })).toBe('{"a":null,"b":[{"y":2,"z":1}]}');
  });
});

describe('proxy permissions', () => {
  it.each([
    ['POST', '/send/message', 'messages:send', 'agent'],
    ['POST', '/SEND//image/', 'messages:send', 'agent'],
    ['GET', '/app/login', 'numbers:pair', 'operator'],
    ['GET', '/app/login-with-code?phone=1', 'numbers:pair', 'operator'],
    ['GET', '/app/logout', 'numbers:control', 'operator'],
    ['GET', '/app/status', 'numbers:read', 'read'],
    ['GET', '/chats', 'messages:read', 'read'],
    ['GET', '/chat/123@s.whatsapp.net/messages', 'messages:read', 'read'],
    ['POST', '/message/ABC/revoke', 'messages:send', 'agent'],
    ['GET', '/message/ABC/download', 'media:read', 'read'],
    ['GET', '/statics/qrcode/scan-qr-1.png', 'numbers:pair', 'operator'],
    ['GET', '/ws', 'events:subscribe', 'read'],
    ['POST', '/group', 'numbers:control', 'operator'],
    ['POST', '/something/new', 'numbers:control', 'operator'],
    ['GET', '/something/new', 'numbers:read', 'operator'],
  ])('%s %s needs %s at %s', (method, path, scope, level) => {
    expect(proxyPermission(method, path)).toEqual({ scope, level });
  });
});
