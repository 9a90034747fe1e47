import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** A client-address allow-list (CIDR ranges; a bare address is its own /32 or /128). IPv4-mapped IPv6 counts as IPv4. */
export class AddressList {
  private constructor(
    private readonly ranges: readonly Range[],
    /** The canonical form of each range, as stored and shown. */
    readonly entries: readonly string[],
  ) {}

  /** Entries that are not CIDR ranges or addresses are returned as problems, nothing is guessed. */
  static parse(list: readonly string[]): { list: AddressList; problems: string[] } {
    const ranges: Range[] = [];
    const entries: string[] = [];
    const problems: string[] = [];
    for (const raw of list) {
      const text = raw.trim();
      try {
        const range: Range = text.includes('/') ? ipaddr.parseCIDR(text) : single(ipaddr.parse(text));
        const [address, bits] = range[0].kind() === 'ipv6' && (range[0] as ipaddr.IPv6).isIPv4MappedAddress() ? [(range[0] as ipaddr.IPv6).toIPv4Address(), Math.max(0, range[1] - 96)] : range;
        ranges.push([address, bits]);
        entries.push(`${address.toString()}/${bits}`);
      } catch {
        problems.push(`${text.slice(0, 60)} is not an IP address or CIDR range`);
      }
    }
    return { list: new AddressList(ranges, entries), problems };
  }

  allows(address: string | null): boolean {
    if (address === null || !ipaddr.isValid(address)) return false;
    const ip = ipaddr.process(address);
    return this.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
  }
}

function single(address: ipaddr.IPv4 | ipaddr.IPv6): Range {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}
