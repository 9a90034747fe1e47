/**
 * How a port's write side answers. The conversation store writes inside the transaction that journals an event
 * (src/db/turn-writer.ts): on SQLite that transaction is synchronous (better-sqlite3, one connection), so the
 * writer answers at once and the per-message path never waits for a microtask; on Postgres the turn writer's twin
 * holds a pooled client, and a writer bound to that transaction (`PgTx`) answers with promises.
 */
export type Mode = 'sync' | 'async';

/** `T` from a synchronous writer, `Promise<T>` from an asynchronous one. */
export type Answer<M extends Mode, T> = M extends 'sync' ? T : Promise<T>;
