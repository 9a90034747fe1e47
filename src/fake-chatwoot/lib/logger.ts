/** One-line structured logs on stderr: `fake-chatwoot level=info msg="…"`. Never given a token or secret. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(write: (line: string) => void, quiet = false): Logger {
  const line = (level: string, msg: string): void => {
    if (quiet && level === 'info') return;
    write(`fake-chatwoot time=${new Date().toISOString()} level=${level} msg=${JSON.stringify(msg)}\n`);
  };
  return {
    info: (msg) => line('info', msg),
    warn: (msg) => line('warn', msg),
    error: (msg) => line('error', msg),
  };
}
