/** A synchronous method answering with a promise instead (what it throws becomes the rejection). */
type Async<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;

export type AsyncView<T, K extends keyof T> = { readonly [P in K]: Async<T[P]> };

/**
 * The named methods of a synchronous SQLite repository as a port's asynchronous methods: the SQLite side of a
 * dialect-neutral port is the synchronous code the hot paths call, answering with promises, over the same
 * statements and the same memory.
 */
export function asyncView<T extends object, K extends keyof T>(target: T, names: readonly K[]): AsyncView<T, K> {
  const view: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const method = target[name] as (...args: unknown[]) => unknown;
    view[name] = (...args: unknown[]) => {
      try {
        return Promise.resolve(method.apply(target, args));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  return view as AsyncView<T, K>;
}
