/** Event names and payloads checked by the compiler. */
export type EventMap = { [event: string]: unknown };

/** The listen-only side of an emitter: what a consumer gets, so only the owner can emit. */
export interface Listenable<E extends EventMap> {
  /** Subscribe; returns the function that unsubscribes. */
  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void;
}

/** Told about a listener that threw; the other listeners have still run. */
export type ListenerErrorSink = (err: unknown, event: string) => void;

/**
 * A typed emitter whose listeners are isolated from each other and from the emitter: every listener runs even
 * when one throws, and what it threw goes to the sink (the owner's logger), never into the component that
 * emitted. Without a sink the first error is rethrown once every listener has run.
 */
export class TypedEmitter<E extends EventMap> implements Listenable<E> {
  private readonly listeners = new Map<string, Set<(payload: never) => void>>();
  /** What the owner hands to consumers. */
  readonly view: Listenable<E> = { on: (event, listener) => this.on(event, listener) };

  constructor(private readonly onListenerError?: ListenerErrorSink) {}

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    // A wrapper per subscription, so the same function subscribed twice is also unsubscribed once per handle.
    const entry = (payload: never): void => listener(payload);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    let first: { err: unknown } | null = null;
    // A copy: a listener may unsubscribe itself (or others) while the event is delivered.
    for (const listener of [...set]) {
      try {
        (listener as (payload: E[K]) => void)(payload);
      } catch (err) {
        if (this.onListenerError) this.onListenerError(err, event);
        else first ??= { err };
      }
    }
    if (first) throw first.err;
  }
}
