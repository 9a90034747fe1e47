import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { firstInward, judgeHost } from './address-policy.js';

/** The error code of a connection or URL the policy refused. */
export const INWARD_ADDRESS = 'EINWARDADDRESS';

/** Resolves a name to every address it has (injected in tests; `dns.lookup` otherwise). */
export type Resolve = (hostname: string) => Promise<string[]>;

export const systemResolve: Resolve = async (hostname) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export class InwardAddressError extends Error {
  readonly code = INWARD_ADDRESS;
  constructor(
    readonly host: string,
    readonly range: string,
  ) {
    super(`refused, ${host} is not a public address (${range})`);
    this.name = 'InwardAddressError';
  }
}

/**
 * `lookup` for sockets opened on a tenant's behalf: a name with any non-public address is refused, and the
 * socket connects to an address checked here, so a name cannot be re-pointed inward between check and connect.
 * (Node skips `lookup` for IP literals: the connector in outward-agent.ts judges those.)
 */
export function outwardLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const inward = firstInward(addresses);
        if (inward) {
          // Not the address itself: tenants read this message, and the host's resolver may know names they should not.
          callback(new InwardAddressError(hostname, `resolves to ${inward.range}`), '', 0);
          return;
        }
        const family = (a: string) => (a.includes(':') ? 6 : 4);
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => family(a) === options.family) : addresses;
        const [first] = wanted;
        if (first === undefined) callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), '', 0);
        else if (options.all) callback(null, wanted.map((address) => ({ address, family: family(address) })));
        else callback(null, first, family(first));
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/** How long the check of a new URL waits for DNS; a name that does not answer in time is let through (connections check again). */
const SETTING_LOOKUP_MS = 2000;

/**
 * Setting time: why this URL may not be used on a tenant's behalf, or null when it may. Its host is judged as
 * the connection will see it (WHATWG URL parsing, as fetch does: `2130706433`, `0x7f.1`, `127.1` are all
 * 127.0.0.1, userinfo is not the host); a name is resolved and each address judged.
 */
export async function inwardReason(url: string, resolve: Resolve = systemResolve, timeoutMs = SETTING_LOOKUP_MS): Promise<string | null> {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return 'is not a valid URL';
  }
  const verdict = judgeHost(hostname);
  if (verdict.outward === true) return null;
  if (verdict.outward === false) return `points at a non-public address (${verdict.range})`;
  const addresses = await Promise.race([
    resolve(verdict.name).catch(() => null),
    new Promise<null>((done) => setTimeout(() => done(null), timeoutMs).unref()),
  ]);
  const inward = addresses === null ? null : firstInward(addresses);
  return inward ? `resolves to a non-public address (${inward.range})` : null;
}
