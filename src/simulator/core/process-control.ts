/**
 * Process-wide switches the control API flips: a hung process stops answering anything; exits go through the
 * function main.ts injects (main is the only file that touches `process`).
 */
import type { ServerResponse } from 'node:http';

export class ProcessControl {
  hung = false;

  constructor(private readonly exit: (code: number) => void) {}

  /** Lets the response reach the client, then exits at once (no graceful shutdown, like os.Exit). */
  exitAfterResponse(res: ServerResponse, code: number, beforeExit?: () => void): void {
    res.on('finish', () => {
      beforeExit?.();
      this.exit(code);
    });
  }
}
