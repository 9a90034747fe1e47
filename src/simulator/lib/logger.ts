/**
 * logrus text-formatter lines (what the binary writes to stderr when stderr is not a TTY), e.g.
 * `time="2026-08-22T10:00:00Z" level=info msg="auto-connect skipped: no devices available"`.
 */
import { rfc3339 } from './go-time.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'fatal' | 'panic';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Formats a line without writing it (fatal paths write it and exit themselves). */
  line(level: LogLevel, msg: string): string;
}

/** logrus quotes a value unless every character is in this set. */
const BARE = /^[A-Za-z0-9\-._/@^+]+$/;

function quote(value: string): string {
  return BARE.test(value) ? value : JSON.stringify(value);
}

export function createLogger(write: (line: string) => void): Logger {
  const line = (level: LogLevel, msg: string): string =>
    `time="${rfc3339(new Date())}" level=${level} msg=${quote(msg)}\n`;
  return {
    line,
    info: (msg) => write(line('info', msg)),
    warn: (msg) => write(line('warning', msg)),
    error: (msg) => write(line('error', msg)),
  };
}
