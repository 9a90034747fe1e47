import type { Agent } from 'undici';
import { judgeHost } from './address-policy.js';
import { InwardAddressError, outwardLookup, systemResolve, type Resolve } from './outward-lookup.js';

type Undici = typeof import('undici');

export interface OutwardAgentOptions extends Omit<Agent.Options, 'connect'> {
  /** Name resolution (tests inject one); `dns.lookup` by default. */
  readonly resolve?: Resolve;
}

/**
 * The one way to call out on a tenant's behalf (webhooks today; the Chatwoot bridge, media downloads and the
 * compatibility layer's webhooks tomorrow): an undici dispatcher whose every connection (each redirect hop,
 * each pooled socket) goes to a public address only. IP literals are judged before connecting, names through
 * `outwardLookup`, so the address judged is the address connected to. Use it as `fetch(url, { dispatcher })`.
 * undici is passed in, so callers that load it lazily (it costs ~80 ms) keep doing so.
 */
export function createOutwardAgent(undici: Pick<Undici, 'Agent' | 'buildConnector'>, options: OutwardAgentOptions = {}): Agent {
  const { resolve = systemResolve, ...agentOptions } = options;
  const connect = undici.buildConnector({ lookup: outwardLookup(resolve) });
  return new undici.Agent({
    ...agentOptions,
    connect: (opts, callback) => {
      const verdict = judgeHost(opts.hostname);
      if (verdict.outward === false) callback(new InwardAddressError(opts.hostname, verdict.range), null);
      else connect(opts, callback);
    },
  });
}

/** The policy's refusal behind a failed fetch, if that is why it failed. */
export function inwardRefusal(err: unknown): InwardAddressError | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof InwardAddressError) return e;
  }
  return null;
}
