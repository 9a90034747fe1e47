import { describe, expect, it } from '@jest/globals';
import { decide, decideLocally, HOP_LIMIT, readRouteHeaders, retryAfterMisdirect, type Resolution } from '../../src/cluster/routing/rules.js';

const self = { nodeId: 'n1' };
const owner = (nodeId: string, fence = 4): Resolution => ({ kind: 'owned', owner: { nodeId, incarnation: `${nodeId}-inc`, fence, advertiseUrl: `http://${nodeId}.test:1` } });
const client = { fence: null, hops: 0 };

describe('routing rules (DM-20)', () => {
  it('serves a number this node owns, from a client or forwarded at its own fence', () => {
    expect(decide(self, { kind: 'owned', fence: 4 }, client, owner('n2'))).toEqual({ kind: 'serve', fence: 4 });
    expect(decideLocally({ kind: 'owned', fence: 4 }, { fence: 4, hops: 1 })).toEqual({ kind: 'serve', fence: 4 });
  });

  it('answers 421 to a forwarded call at another fence or for a number it does not hold, and never forwards it again', () => {
    expect(decideLocally({ kind: 'owned', fence: 5 }, { fence: 4, hops: 1 })).toEqual({ kind: 'refuse', code: 'CLUSTER_NOT_OWNER' });
    expect(decide(self, null, { fence: 4, hops: 1 }, owner('n3'))).toEqual({ kind: 'refuse', code: 'CLUSTER_NOT_OWNER' });
  });

  it('refuses a forwarded call at the hop limit that is not for this node with CLUSTER_HOP_LIMIT', () => {
    expect(decide(self, null, { fence: 4, hops: HOP_LIMIT }, owner('n3'))).toEqual({ kind: 'refuse', code: 'CLUSTER_HOP_LIMIT' });
    expect(decide(self, null, { fence: null, hops: HOP_LIMIT }, owner('n3'))).toEqual({ kind: 'refuse', code: 'CLUSTER_HOP_LIMIT' });
  });

  it('forwards a client call to the owner with the owner fence and one more hop', () => {
    expect(decide(self, null, client, owner('n2', 7))).toEqual({ kind: 'forward', owner: expect.objectContaining({ nodeId: 'n2', fence: 7 }), hops: 1 });
    expect(decide(self, null, { fence: null, hops: 1 }, owner('n2'))).toMatchObject({ kind: 'forward', hops: 2 });
  });

  it('answers 503 while nobody owns the number, while it is being taken over here, or while the database names us but we do not hold it yet', () => {
    expect(decide(self, null, client, { kind: 'unowned' })).toEqual({ kind: 'refuse', code: 'CLUSTER_NO_OWNER' });
    expect(decide(self, { kind: 'acquiring', fence: 3 }, client, owner('n1', 3))).toEqual({ kind: 'refuse', code: 'CLUSTER_NO_OWNER' });
    expect(decide(self, null, client, owner('n1', 3))).toEqual({ kind: 'refuse', code: 'CLUSTER_NO_OWNER' });
  });

  it('answers 404 for a number the cluster does not know', () => {
    expect(decide(self, null, client, { kind: 'unknown' })).toEqual({ kind: 'refuse', code: 'CLUSTER_NUMBER_UNKNOWN' });
  });

  it('retries a misdirected call once: the first forward may be retried, the second may not', () => {
    expect(retryAfterMisdirect(1)).toBe(true);
    expect(retryAfterMisdirect(2)).toBe(false);
  });

  it('reads the headers leniently: malformed values count as absent', () => {
    expect(readRouteHeaders('12', '1')).toEqual({ fence: 12, hops: 1 });
    expect(readRouteHeaders(undefined, undefined)).toEqual({ fence: null, hops: 0 });
    expect(readRouteHeaders('x', '-1')).toEqual({ fence: null, hops: 0 });
    expect(readRouteHeaders(['3', '4'], ['2'])).toEqual({ fence: 3, hops: 2 });
  });
});
