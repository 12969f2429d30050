/**
 * log — pino: JSON lines when the log stream (stderr) is not a terminal, one readable line per
 * entry on a terminal, and the run id on every JSON line. `--log-format` or INRECORD_LOG_FORMAT
 * forces either. Secrets never reach a log line: redact paths cover tokens and passwords wherever
 * they sit.
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

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * How log lines are written: the flag, else INRECORD_LOG_FORMAT, else pretty on a terminal and
 * JSON lines when the stream is piped or redirected (a log collector reads those).
 */
export function chooseLogFormat(o: { flag?: string; env?: string; isTTY: boolean }): LogFormat {
  for (const v of [o.flag, o.env]) if (v && (LOG_FORMATS as readonly string[]).includes(v)) return v as LogFormat;
  return o.isTTY ? 'pretty' : 'json';
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Keys every entry has, or that say nothing to a reader of one line. */
const QUIET = new Set(['level', 'time', 'msg', 'runId', 'pid', 'hostname']);

function shown(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return v === '' || /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * One log entry (pino's JSON object) as one line a person reads: the time (UTC), the level, the
 * message, then the other fields as key=value. An error shows its code and message, not its stack.
 */
export function prettyLine(entry: Record<string, unknown>): string {
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '';
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level ?? '')).padEnd(5);
  const parts = [time, level, String(entry.msg ?? '')].filter((p) => p !== '');
  for (const [k, v] of Object.entries(entry)) {
    if (QUIET.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { code?: string; message?: string; type?: string };
      parts.push(`err=${shown(e.code ? `${e.message ?? ''} (${e.code})` : (e.message ?? e.type ?? 'error'))}`);
    } else parts.push(`${k}=${shown(v)}`);
  }
  return `${parts.join(' ')}\n`;
}

export function createLogger(opts: { runId?: string; level?: string; format?: string } = {}): Logger {
  const level = opts.level ?? process.env.INRECORD_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  const format = chooseLogFormat({ flag: opts.format, env: process.env.INRECORD_LOG_FORMAT, isTTY: Boolean(process.stderr.isTTY) });
  const base = { runId: opts.runId ?? newRunId() };
  const options = { level, base, redact: { paths: REDACT, censor: '***' } };
  if (format === 'pretty') {
    return pino(options, {
      write(line: string) {
        process.stderr.write(prettyLine(JSON.parse(line) as Record<string, unknown>));
      },
    });
  }
  return pino(options, pino.destination(2));
}

/** A logger that writes nothing (library default). */
export const silentLogger: Logger = pino({ level: 'silent' });
