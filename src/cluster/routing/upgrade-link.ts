import net from 'node:net';
import { clusterErrors } from '../errors.js';
import type { RouteOwner } from './rules.js';
import { forwardedUpgradeHead, headEnd, statusOf, type UpgradeRequestLine } from './upgrade-head.js';

/** An owner's answer head is small; one that is not done by then is not an HTTP answer. */
const MAX_HEAD_BYTES = 16_384;
/** A refusal's body is a short JSON error; it is read whole only to see whether to retry (421). */
const MAX_REFUSAL_BYTES = 65_536;

/** The owner's answer to a forwarded upgrade: its status, every byte read so far, and the connection (paused). */
export interface UpgradeLink {
  readonly status: number;
  /** The answer head and whatever followed it in the same reads (the first frames, a refusal's body). */
  readonly received: Buffer;
  readonly upstream: net.Socket;
}

export interface UpgradeCall {
  readonly request: UpgradeRequestLine;
  /** The bytes the caller sent after its request head (Node's `head`), passed on after ours. */
  readonly head: Buffer;
  /** This node's proof and the caller's address, for the owner (peer-proof.ts). */
  readonly vouch: Readonly<Record<string, string>>;
  /** The caller gave up (its socket closed) or the node is closing: the attempt ends without an answer. */
  readonly signal: AbortSignal;
}

/**
 * Opens a TCP connection to the owner's advertise URL, sends the upgrade and waits for the answer head (DM-20). A
 * refused or reset connection is `CLUSTER_OWNER_UNREACHABLE`; no answer head within `timeoutMs` (connect included)
 * is `CLUSTER_OWNER_TIMEOUT`; an abort rejects with the signal's reason. Nothing is written to the caller here.
 */
export function openUpgrade(phoneNumber: string, owner: RouteOwner, hops: number, call: UpgradeCall, timeoutMs: number): Promise<UpgradeLink> {
  let target: URL;
  try {
    target = new URL(owner.advertiseUrl);
  } catch (err) {
    return Promise.reject(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, err));
  }
  if (target.protocol !== 'http:') return Promise.reject(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, new Error(`advertise URL ${owner.advertiseUrl} is not http`)));
  if (call.signal.aborted) return Promise.reject(call.signal.reason);
  return new Promise<UpgradeLink>((resolve, reject) => {
    const upstream = net.connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 80) });
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: unknown, link?: UpgradeLink): void => {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onAbort);
      upstream.off('data', onData);
      upstream.off('error', onError);
      upstream.off('close', onClose);
      if (link) {
        resolve(link);
        return;
      }
      upstream.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      const received = Buffer.concat(chunks, size);
      const end = headEnd(received);
      if (end < 0) {
        if (size > MAX_HEAD_BYTES) finish(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, new Error('the owner answered no HTTP head')));
        return;
      }
      const status = statusOf(received);
      if (status === null) return finish(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, new Error('the owner answered no HTTP status line')));
      // Paused before the listener goes: the bytes after this read wait for whoever pipes the connection.
      upstream.pause();
      finish(null, { status, received, upstream });
    };
    const onError = (err: Error): void => finish(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, err));
    const onClose = (): void => finish(clusterErrors.ownerUnreachable(phoneNumber, owner.nodeId, new Error('the owner closed the connection before answering')));
    const onAbort = (): void => finish(call.signal.reason);
    // One deadline for connect and answer: a dropped SYN never fails by itself.
    const timer = setTimeout(() => finish(clusterErrors.ownerTimeout(phoneNumber, owner.nodeId, timeoutMs)), timeoutMs);
    call.signal.addEventListener('abort', onAbort, { once: true });
    upstream.on('data', onData);
    upstream.on('error', onError);
    upstream.on('close', onClose);
    upstream.setNoDelay(true);
    upstream.write(forwardedUpgradeHead(call.request, target.host, owner.fence, hops, call.vouch));
    if (call.head.length > 0) upstream.write(call.head);
  });
}

/**
 * The rest of a refusal (the owner ends the connection after it): every byte of the answer, or what was read when
 * the limit, the deadline or an error came first. The connection is closed afterwards.
 */
export function readRefusal(link: UpgradeLink, timeoutMs: number): Promise<Buffer> {
  const { upstream } = link;
  return new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [link.received];
    let size = link.received.length;
    const done = (): void => {
      clearTimeout(timer);
      upstream.off('data', onData);
      upstream.destroy();
      resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REFUSAL_BYTES) done();
    };
    const timer = setTimeout(done, timeoutMs);
    upstream.on('data', onData);
    upstream.once('end', done);
    upstream.once('close', done);
    upstream.once('error', done);
    upstream.resume();
  });
}
