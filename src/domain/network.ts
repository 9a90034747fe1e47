/**
 * Addresses a tenant must not point the gateway at (webhook targets): loopback, private, link-local and
 * similar ranges, where the gateway's own services and the host's network live. Judges a literal address or a
 * `localhost` name; names are resolved (and each resolved address judged) by webhooks/outward-lookup.ts.
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '') return true;
  const v4 = parseIpv4(host.startsWith('::ffff:') ? host.slice(7) : host);
  if (v4) return isInternalIpv4(v4);
  if (host.includes(':')) return isInternalIpv6(host);
  return false;
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function isInternalIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224 // multicast and reserved
  );
}

function isInternalIpv6(host: string): boolean {
  if (host === '::' || host === '::1') return true;
  const first = parseInt(host.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80; // unique local fc00::/7, link-local fe80::/10
}
