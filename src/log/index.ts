/**
 * log — pino: JSON lines when stderr is not a TTY, readable lines on a TTY, and the run id on every
 * line. Secrets never reach a log line: redact paths cover tokens and passwords wherever they sit.
 */
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export function newRunId(prefix = 'run'): string {
  const t = new Date().toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  return `${prefix}_${t}_${randomBytes(3).toString('hex')}`;
}

const REDACT = [
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.password',
  '*.apiKey',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-token"]',
  '*.databaseUrl',
];

export function createLogger(opts: { runId?: string; level?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.INRECORD_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  const base = { runId: opts.runId ?? newRunId() };
  if (pretty && level !== 'silent') {
    return pino(
      { level, base, redact: { paths: REDACT, censor: '***' } },
      pino.transport({ target: 'pino-pretty', options: { destination: 2, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } }),
    );
  }
  return pino({ level, base, redact: { paths: REDACT, censor: '***' } }, pino.destination(2));
}

/** A logger that writes nothing (library default). */
export const silentLogger: Logger = pino({ level: 'silent' });
