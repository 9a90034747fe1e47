/** The ways one IPv4 address can be written in a URL host, each of which WHATWG URL parsing (and fetch) reads as it. */
export function ipv4Spellings([a, b, c, d]: readonly [number, number, number, number]): string[] {
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const hex = (x: number) => x.toString(16);
  const hi = (a << 8) | b;
  const lo = (c << 8) | d;
  // A leading zero means octal: only octets below 8 keep their value when padded.
  const pad = (x: number) => (x < 8 ? String(x).padStart(3, '0') : String(x));
  return [
    `${a}.${b}.${c}.${d}`,
    `${n}`,
    `0x${hex(n)}`,
    `0X${hex(n).toUpperCase()}`,
    `0x${hex(a)}.0x${hex(b)}.0x${hex(c)}.0x${hex(d)}`,
    `0${a.toString(8)}.0${b.toString(8)}.0${c.toString(8)}.0${d.toString(8)}`,
    `${pad(a)}.${pad(b)}.${pad(c)}.${pad(d)}`,
    `${a}.${(b << 16) + lo}`,
    `${a}.${b}.${lo}`,
    `${a}.${b}.${c}.${d}.`,
    `public.example.com@${a}.${b}.${c}.${d}`,
    `user:pass@${a}.${b}.${c}.${d}:8080`,
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `[::ffff:${hex(hi)}:${hex(lo)}]`,
    `[0:0:0:0:0:FFFF:${a}.${b}.${c}.${d}]`,
    `[0000:0000:0000:0000:0000:ffff:${hex(hi).padStart(4, '0')}:${hex(lo).padStart(4, '0')}]`,
    `[::${a}.${b}.${c}.${d}]`,
    `[::ffff:0:${a}.${b}.${c}.${d}]`,
    `[64:ff9b::${a}.${b}.${c}.${d}]`,
    `[2002:${hex(hi)}:${hex(lo)}::1]`,
    `[2001:0:4136:e378:8000:63bf:${hex(~hi & 0xffff)}:${hex(~lo & 0xffff)}]`,
  ];
}

/** Non-public IPv4 addresses, by range, at the edges of each range. */
export const INWARD_IPV4: Record<string, [number, number, number, number][]> = {
  loopback: [[127, 0, 0, 1], [127, 255, 255, 254]],
  private: [[10, 0, 0, 1], [10, 255, 255, 254], [172, 16, 0, 1], [172, 31, 255, 254], [192, 168, 0, 1], [192, 168, 255, 254]],
  carrierGradeNat: [[100, 64, 0, 1], [100, 127, 255, 254]],
  linkLocal: [[169, 254, 169, 254], [169, 254, 0, 1]],
  unspecified: [[0, 0, 0, 0], [0, 1, 2, 3]],
  multicast: [[224, 0, 0, 1], [239, 255, 255, 250]],
  broadcast: [[255, 255, 255, 255]],
  reserved: [[240, 0, 0, 1], [192, 0, 2, 1], [198, 18, 0, 1]],
};

/** Public addresses next to those ranges: they must pass in every spelling. */
export const PUBLIC_IPV4: [number, number, number, number][] = [
  [8, 8, 8, 8],
  [1, 1, 1, 1],
  [93, 184, 216, 34],
  [172, 32, 0, 1],
  [172, 15, 255, 254],
  [100, 128, 0, 1],
  [169, 255, 0, 1],
  [192, 169, 0, 1],
  [11, 0, 0, 1],
];

export const INWARD_IPV6: string[] = [
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[0000::0001]',
  '[::]',
  '[fc00::1]',
  '[fd12:3456:789a::1]',
  '[FD00::1]',
  '[fe80::1]',
  '[febf:ffff::1]',
  '[FE80:0:0:0:0:0:0:1]',
  '[fec0::1]',
  '[ff02::1]',
  '[ff05::1:3]',
  '[2001:db8::1]',
  '[100::1]',
];

export const PUBLIC_IPV6: string[] = ['[2606:4700:4700::1111]', '[2a00:1450:4001:80b::200e]', '[2001:4860:4860::8888]'];

export const LOCAL_NAMES: string[] = ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'Deep.Api.LocalHost.'];
