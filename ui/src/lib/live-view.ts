import { useCallback, useEffect, useRef, useState } from 'react';
import type { AsOf, StoreEvent } from './chat-types';
import { useLatest, useRealtime } from './live';

/** What a view does with one store event: the view changed (or not), or `null`: it cannot tell, read it again. */
export type Reducer<T> = (view: T, event: StoreEvent) => T | null;

/**
 * A REST answer of the conversation store kept current by its Socket.IO events, without a gap or a repeat: the
 * answer reflects every event up to its `asOf` seq per number; the events after it that arrived while the request
 * was in flight come from the page's buffer, then each new one as it arrives. When the buffer cannot vouch for
 * them (the number was not joined yet, or a reconnect could not replay everything), the answer is read again.
 * `patch` changes the view locally (older pages appended, a message just sent).
 */
export function useLiveView<T>(data: T | undefined, asOf: AsOf | undefined, reduce: Reducer<T>, reload: () => void): { view: T | undefined; patch: (change: (view: T) => T) => void } {
  const realtime = useRealtime();
  const [view, setView] = useState<T | undefined>(data);
  const current = useRef<T | undefined>(data);
  const reducer = useLatest(reduce);
  const again = useLatest(reload);

  useEffect(() => {
    current.current = data;
    setView(data);
    if (data === undefined || asOf === undefined || !realtime) return;
    const marks = asOf;
    const waiting = new Set<string>();
    let stale = false;
    const apply = (event: StoreEvent): void => {
      const mark = marks[event.phoneNumber];
      // Numbers outside this view, and events the answer already reflects.
      if (mark === undefined || event.seq <= mark || current.current === undefined) return;
      const next = reducer.current(current.current, event);
      if (next === null) stale = true;
      else current.current = next;
    };
    for (const [phone, seq] of Object.entries(marks)) {
      const missed = realtime.storeSince(phone, seq);
      if (missed === null) waiting.add(phone);
      else missed.forEach(apply);
    }
    const settle = (): void => {
      setView(current.current);
      if (!stale) return;
      stale = false;
      again.current();
    };
    settle();
    return realtime.subscribe((event) => {
      if (event.kind === 'store') {
        apply(event.event);
        settle();
      } else if ((event.kind === 'covered' && waiting.has(event.phoneNumber)) || (event.kind === 'resync' && event.phoneNumber in marks)) {
        again.current();
      }
    });
  }, [realtime, data, asOf, reducer, again]);

  const patch = useCallback((change: (view: T) => T) => {
    if (current.current === undefined) return;
    current.current = change(current.current);
    setView(current.current);
  }, []);
  return { view, patch };
}
