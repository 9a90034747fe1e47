import ipaddr from 'ipaddr.js';

/**
 * Which addresses the gateway may connect to on a tenant's behalf: public unicast only. Everything else is the
 * gateway's own host and network, or nobody's (loopback, RFC 1918 private, carrier-grade NAT, link-local with
 * the cloud metadata service at 169.254.169.254, unique-local, site-local, unspecified, multicast, broadcast,
 * documentation, benchmarking and other reserved ranges). The ranges come from ipaddr.js; an IPv6 address
 * that carries an IPv4 one (IPv4-mapped, -compatible and -translated, NAT64, 6to4, Teredo) is judged by the
 * IPv4 address it reaches.
 */
export type AddressVerdict = { readonly outward: true } | { readonly outward: false; readonly range: string };

const PUBLIC = 'unicast';

/** Judge one IP address (any spelling ipaddr.js reads, with or without [brackets]); null when it is not an address. */
export function judgeAddress(text: string): AddressVerdict | null {
  const literal = text.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(literal)) return null;
  return judge(ipaddr.parse(literal));
}

function judge(address: ipaddr.IPv4 | ipaddr.IPv6): AddressVerdict {
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    const carried = embeddedIpv4(v6);
    if (carried) {
      const inner = judge(carried.ipv4);
      return inner.outward ? inner : { outward: false, range: `${carried.form} of ${inner.range}` };
    }
  }
  const range = address.range();
  return range === PUBLIC ? { outward: true } : { outward: false, range };
}

/** The IPv4 address an IPv6 one stands for, in the forms that reach IPv4 hosts. */
function embeddedIpv4(v6: ipaddr.IPv6): { form: string; ipv4: ipaddr.IPv4 } | null {
  const [, w1 = 0, w2 = 0, , , , w6 = 0, w7 = 0] = v6.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const form = v6.range();
  switch (form) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d (IPv4-translated)
    case 'rfc6052': // 64:ff9b::a.b.c.d (NAT64)
      return { form, ipv4: v4(w6, w7) };
    case '6to4': // 2002:AABB:CCDD::/48 routes to a.b.c.d
      return { form, ipv4: v4(w1, w2) };
    case 'teredo': // 2001:0:server:flags:port:client, the client address inverted
      return { form, ipv4: v4(~w6 & 0xffff, ~w7 & 0xffff) };
    default: {
      // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks); :: and ::1 are judged as they are.
      const compatible = v6.parts.slice(0, 6).every((w) => w === 0) && (w6 !== 0 || w7 > 1);
      return compatible ? { form: 'ipv4Compatible', ipv4: v4(w6, w7) } : null;
    }
  }
}

export type HostVerdict = AddressVerdict | { readonly outward: 'resolve'; readonly name: string };

/**
 * Judge a URL's host as WHATWG URL parsing left it (IPv4 in dotted decimal whatever it was written as, IPv6 in
 * brackets, lower case): an address is judged at once, `localhost` and its subdomains are loopback by
 * definition (RFC 6761) whatever a resolver says, any other name must be resolved and every address judged.
 */
export function judgeHost(hostname: string): HostVerdict {
  const address = judgeAddress(hostname);
  if (address) return address;
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (name === '' || name === 'localhost' || name.endsWith('.localhost')) return { outward: false, range: 'loopback' };
  return { outward: 'resolve', name };
}

/** The first of these addresses that is not public, or null when all are (an empty list is not public). */
export function firstInward(addresses: readonly string[]): { address: string; range: string } | null {
  if (addresses.length === 0) return { address: '(none)', range: 'no address' };
  for (const address of addresses) {
    const verdict = judgeAddress(address) ?? { outward: false, range: 'not an address' };
    if (!verdict.outward) return { address, range: verdict.range };
  }
  return null;
}
