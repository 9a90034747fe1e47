import type { Answer, Mode } from '../db/ports/answer.js';

/**
 * Logic written once for both store modes (db/ports/answer.ts): a generator that yields each store answer with
 * `yield* ask(store.call(…))` and gets its value back. `run` drives it synchronously for a synchronous store (no
 * promise, no microtask: the SQLite send path stays as it was) and with `await` for an asynchronous one.
 */
export type Steps<R> = Generator<unknown, R, never>;

export function* ask<T>(answer: T | Promise<T>): Generator<T | Promise<T>, T, T> {
  return yield answer;
}

export function run<M extends Mode, R>(mode: M, steps: Steps<R>): Answer<M, R> {
  const driven = steps as Generator<unknown, R, unknown>;
  if (mode === 'sync') {
    let step = driven.next();
    while (!step.done) step = driven.next(step.value);
    return step.value as Answer<M, R>;
  }
  const drive = async (): Promise<R> => {
    let step = driven.next();
    while (!step.done) {
      let value: unknown;
      try {
        value = await step.value;
      } catch (err) {
        // Into the steps, as a synchronous store's throw would be: a step may catch it.
        step = driven.throw(err);
        continue;
      }
      step = driven.next(value);
    }
    return step.value;
  };
  return drive() as Answer<M, R>;
}
