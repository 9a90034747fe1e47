import { describe, expect, it } from '@jest/globals';
import { judgeAddress } from '../../src/outward/address-policy.js';
import { inwardReason, type Resolve } from '../../src/outward/outward-lookup.js';
import { INWARD_IPV4, INWARD_IPV6, ipv4Spellings, LOCAL_NAMES, PUBLIC_IPV4, PUBLIC_IPV6 } from './spellings.js';

/** DNS as the tests need it: no query leaves the machine. */
const NAMES: Record<string, string[]> = {
  'inward.example': ['10.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'ula.example': ['fd00::1'],
  'mixed.example': ['93.184.216.34', '192.168.1.10'],
  'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
};
const asked: string[] = [];
const resolve: Resolve = async (name) => {
  asked.push(name);
  const found = NAMES[name];
  if (!found) throw Object.assign(new Error(`${name} not found`), { code: 'ENOTFOUND' });
  return found;
};
const reason = (host: string) => inwardReason(`http://${host}/hook`, resolve);

describe('the outward address policy at setting time: ranges × spellings', () => {
  for (const [range, addresses] of Object.entries(INWARD_IPV4)) {
    it(`refuses ${range} IPv4 addresses in every spelling`, async () => {
      for (const octets of addresses) {
        for (const spelling of ipv4Spellings(octets)) {
          expect({ spelling, refused: (await reason(spelling)) !== null }).toEqual({ spelling, refused: true });
        }
      }
    });
  }

  it('lets public IPv4 addresses through in every spelling (the same forms, so the refusals above are about the range)', async () => {
    for (const octets of PUBLIC_IPV4) {
      for (const spelling of ipv4Spellings(octets)) expect({ spelling, reason: await reason(spelling) }).toEqual({ spelling, reason: null });
    }
  });

  it('refuses loopback, unspecified, unique-local, link-local, site-local, multicast and documentation IPv6 addresses', async () => {
    for (const spelling of INWARD_IPV6) expect({ spelling, refused: (await reason(spelling)) !== null }).toEqual({ spelling, refused: true });
    for (const spelling of PUBLIC_IPV6) expect({ spelling, reason: await reason(spelling) }).toEqual({ spelling, reason: null });
  });

  it('refuses localhost names without asking DNS, whatever their case or trailing dot', async () => {
    asked.length = 0;
    for (const name of LOCAL_NAMES) expect({ name, reason: await reason(name) }).toEqual({ name, reason: 'points at a non-public address (loopback)' });
    expect(asked).toEqual([]);
  });

  it('refuses a name with any non-public address, also written with a trailing dot or in upper case', async () => {
    for (const name of ['inward.example', 'metadata.example', 'mapped.example', 'ula.example', 'mixed.example', 'INWARD.EXAMPLE.']) {
      expect({ name, reason: await reason(name) }).toEqual({ name, reason: expect.stringMatching(/^resolves to a non-public address \(/) });
    }
    expect(await reason('public.example')).toBeNull();
    // A name that does not resolve now is let through: every connection is checked again.
    expect(await reason('nowhere.example')).toBeNull();
  });

  it('names the range, also the one behind an IPv6 form that carries an IPv4 address', () => {
    expect(judgeAddress('169.254.169.254')).toEqual({ outward: false, range: 'linkLocal' });
    expect(judgeAddress('[::ffff:a9fe:a9fe]')).toEqual({ outward: false, range: 'ipv4Mapped of linkLocal' });
    expect(judgeAddress('64:ff9b::10.1.2.3')).toEqual({ outward: false, range: 'rfc6052 of private' });
    expect(judgeAddress('2002:c0a8:101::1')).toEqual({ outward: false, range: '6to4 of private' });
    expect(judgeAddress('::7f00:1')).toEqual({ outward: false, range: 'ipv4Compatible of loopback' });
    expect(judgeAddress('2001:0:4136:e378:8000:63bf:80ff:fffe')).toEqual({ outward: false, range: 'teredo of loopback' });
    expect(judgeAddress('8.8.8.8')).toEqual({ outward: true });
    expect(judgeAddress('not-an-address')).toBeNull();
  });
});
