import fs from 'node:fs';
import path from 'node:path';
import { RingBuffer } from '../lib/ring-buffer.js';
import { hideUrlPasswords } from '../lib/url-credentials.js';

export interface LogLine {
  readonly at: number;
  readonly stream: 'stdout' | 'stderr' | 'gateway';
  readonly line: string;
}

/**
 * One number's process output: the newest lines in memory for the logs API, and a size-capped file under the
 * session folder (`logs/process.log`, rotated once to `process.log.1`) for post-mortems after a restart.
 * Passwords in URLs never reach either.
 */
export class ProcessLogs {
  private readonly buffer: RingBuffer<LogLine>;
  private file: string;
  private size: number;

  constructor(
    dir: string,
    bufferLines: number,
    private readonly maxBytes: number,
    /** Told of every line as it is kept (the live log tail); must not throw. */
    private onLine: (line: LogLine) => void = () => undefined,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.buffer = new RingBuffer<LogLine>(bufferLines);
    this.file = path.join(dir, 'process.log');
    this.size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  append(stream: LogLine['stream'], raw: string, at = Date.now()): void {
    const line = hideUrlPasswords(raw);
    const entry = { at, stream, line };
    this.buffer.push(entry);
    this.onLine(entry);
    const text = `${new Date(at).toISOString()} ${stream} ${line}\n`;
    if (this.size + text.length > this.maxBytes) this.rotate();
    try {
      fs.appendFileSync(this.file, text);
      this.size += Buffer.byteLength(text);
    } catch {
      // A full disk must not take the supervisor down; the in-memory buffer still has the line.
    }
  }

  /** The folder was renamed with the number (a bind that kept its child): the file and the live tail follow. */
  moveTo(dir: string, onLine: (line: LogLine) => void): void {
    this.file = path.join(dir, 'process.log');
    this.onLine = onLine;
  }

  tail(lines: number): LogLine[] {
    return this.buffer.tail(lines);
  }

  private rotate(): void {
    try {
      fs.renameSync(this.file, `${this.file}.1`);
    } catch {
      // Nothing to rotate yet.
    }
    this.size = 0;
  }
}
