import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isInternalHost } from '../domain/network.js';

export const INTERNAL_ADDRESS = 'EINTERNALADDRESS';

/** How long the check of a tenant's new webhook URL waits for DNS; a name that does not answer in time is accepted. */
const SET_TIME_LOOKUP_MS = 2000;

function refusal(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`refused, ${hostname} resolves to a loopback, private or link-local address`), { code: INTERNAL_ADDRESS });
}

/**
 * `dns.lookup` for tenants' webhook deliveries: a name with any loopback, private or link-local address is refused,
 * and the connection uses the address checked here, so a name cannot be re-pointed inward between check and connect.
 */
export const outwardLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, '', 0);
      return;
    }
    if (addresses.length === 0 || addresses.some((a) => isInternalHost(a.address))) {
      callback(refusal(hostname), '', 0);
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
  });
};

/** Whether a host name currently resolves to an internal address (false when it does not resolve in time). */
export async function resolvesInward(hostname: string): Promise<boolean> {
  const lookup = dns.promises.lookup(hostname, { all: true }).then(
    (addresses) => addresses.some((a) => isInternalHost(a.address)),
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), SET_TIME_LOOKUP_MS).unref());
  return Promise.race([lookup, timeout]);
}
