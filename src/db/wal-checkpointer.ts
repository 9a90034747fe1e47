import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../lib/logger.js';

/** How often the worker moves the WAL into the database file. */
const INTERVAL_MS = 500;
/** SQLite's own default, put back when the worker is gone. */
const AUTO_CHECKPOINT_PAGES = 1000;

/**
 * The worker: its own connection to the same file, a PASSIVE checkpoint on a timer (never waits for a lock, never
 * blocks the gateway's writes). CommonJS, since it runs as `eval` code; better-sqlite3 is loaded by path.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.library);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints off the event loop. With SQLite's automatic checkpoint, whichever commit pushed the WAL past
 * 1,000 pages copied them into the database file and waited for an fsync, on the gateway's one thread, in the
 * middle of a request. Here the main connection never checkpoints (`wal_autocheckpoint = 0`) and a worker thread
 * does it twice a second on a connection of its own. If the worker fails, the main connection checkpoints by
 * itself again, so the WAL never grows without bound.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sqlite: Database.Database,
    file: string,
    private readonly logger: Logger,
    intervalMs = INTERVAL_MS,
  ) {
    const library = createRequire(import.meta.url).resolve('better-sqlite3');
    sqlite.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, library, intervalMs } });
    this.worker.unref();
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) logger.warn({ err: message.error }, 'WAL checkpoint failed; trying again');
    });
    this.worker.on('error', (err) => {
      logger.error({ err }, 'the WAL checkpoint worker failed; checkpoints are back on the main connection');
      this.fallBack();
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        if (!this.stopped) this.fallBack();
        resolve();
      }),
    );
  }

  /** Stop the worker (its connection closed); the main connection checkpoints by itself again, also when it closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.postMessage('stop');
    await this.exited;
    this.fallBack();
  }

  private fallBack(): void {
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  }
}
