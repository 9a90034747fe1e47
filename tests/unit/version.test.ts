import { describe, expect, it } from '@jest/globals';
import { compareVersions, formatVersion, parseVersion } from '../../src/domain/version.js';

describe('binary versions', () => {
  it('parses release tags with or without v', () => {
    expect(parseVersion('v9.2.0')).toEqual([9, 2, 0]);
    expect(parseVersion('10.0.12')).toEqual([10, 0, 12]);
    expect(parseVersion('9.2')).toBeNull();
    expect(parseVersion('v9.2.0-rc1')).toBeNull();
  });

  it('orders numerically, not alphabetically', () => {
    const v = (s: string) => parseVersion(s) ?? [0, 0, 0];
    expect(compareVersions(v('9.10.0'), v('9.9.9'))).toBe(1);
    expect(compareVersions(v('9.2.0'), v('v9.2.0'))).toBe(0);
    expect(compareVersions(v('8.9.9'), v('9.0.0'))).toBe(-1);
    expect(formatVersion(v('v9.2.0'))).toBe('9.2.0');
  });
});
