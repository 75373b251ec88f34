import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that never reach a log line: credentials in headers and any secret-looking field.
 * Keep this list in step with new secrets (STYLE.md: secrets are hashed or kept out of logs).
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.query.token',
  '*.api_key',
  '*.webhook_secret',
  '*.secret',
  '*.password',
  '*.token',
  'password',
  'secret',
  'token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'trunkline' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A logger on standard error, for commands whose standard output is their result (JSON). */
export function createStderrLogger(level: string): Logger {
  return createLogger(level, pino.destination(2));
}

/** A logger that writes nothing, for unit tests and tools. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
