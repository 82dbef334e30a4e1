import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino removes from every log line. Secrets must never reach a log: this list is the
 * safety net behind the habit of not logging request bodies at all.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.node_secret',
  '*.enrollment_key',
  '*.secret',
  '*.totp_code',
  '*.private_key',
  '*.privateKey',
  'password',
  'token',
  'secret',
];

export interface LoggerConfig {
  /** The service, e.g. `auth-api`; every line carries it. */
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read lines back. */
  destination?: NodeJS.WritableStream;
}

/** Creates the root logger of a service: JSON lines, ISO timestamps, secrets redacted. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? 'info',
    base: { service: config.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return config.destination ? pino(options, config.destination as pino.DestinationStream) : pino(options);
}

/** A child logger per subsystem, so lines say where they came from (`subsystem: "refresh"`). */
export function subsystemLogger(root: Logger, subsystem: string): Logger {
  return root.child({ subsystem });
}
