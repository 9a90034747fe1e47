import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** Secrets are removed by configuration, not by discipline. */
const REDACT = [
  'password',
  'token',
  'secret',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.basicAuth',
  '*.webhookSecret',
  'req.headers.authorization',
  'env.APP_BASIC_AUTH',
  'env.WHATSAPP_WEBHOOK_SECRET',
];

export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'wa-gateway' } },
    destination ?? process.stdout,
  );
}
