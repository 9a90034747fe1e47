import type { PostFn } from '../../src/webhooks/post.js';

/**
 * A receiver for the dispatcher's `post`, in process: it records the delivery ids in the order they were posted and
 * answers 200, except for the ids in `holding`, whose answer waits on the wire until `release(id)`.
 */
export function heldPosts(): { readonly post: PostFn; readonly posted: number[]; readonly holding: Set<number>; readonly onTheWire: Map<number, () => void>; release(id: number): void; releaseAll(): void } {
  const posted: number[] = [];
  const holding = new Set<number>();
  const onTheWire = new Map<number, () => void>();
  const release = (id: number): void => {
    holding.delete(id);
    onTheWire.get(id)?.();
    onTheWire.delete(id);
  };
  const post: PostFn = async (_url, _body, headers) => {
    const id = Number(headers['x-delivery-id']);
    posted.push(id);
    if (holding.has(id)) await new Promise<void>((resolve) => onTheWire.set(id, resolve));
    else await new Promise((resolve) => setImmediate(resolve));
    return { ok: true, status: 200, error: null };
  };
  return { post, posted, holding, onTheWire, release, releaseAll: () => [...onTheWire.keys()].forEach(release) };
}
