import { describe, expect, it } from '@jest/globals';
import { isInternalHost } from '../../src/domain/network.js';

describe('internal webhook targets', () => {
  it.each(['localhost', 'api.localhost', '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '[::1]', '::', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1'])('refuses %s', (host) => {
    expect(isInternalHost(host)).toBe(true);
  });

  it.each(['example.com', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:db8::1', 'hooks.slack.com'])('allows %s', (host) => {
    expect(isInternalHost(host)).toBe(false);
  });
});
