/**
 * Process-wide switches the control API flips: a hung process stops answering anything; exits go through the
 * function main.ts injects (main is the only file that touches `process`).
 */
import type { ServerResponse } from 'node:http';

/** Writes `stderrText` and ends the process at once with `code` (no graceful shutdown, like os.Exit). */
export type ExitNow = (code: number, stderrText: string) => void;

export class ProcessControl {
  hung = false;

  constructor(private readonly exit: ExitNow) {}

  /** Lets the response reach the client first. */
  exitAfterResponse(res: ServerResponse, code: number, stderrText: string): void {
    res.on('finish', () => this.exit(code, stderrText));
  }
}
