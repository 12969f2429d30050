import { InrecordError, isInrecordError } from '../errors/index.js';

/** Documented exit codes: 0 ok, 1 failed, 2 usage or config error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Decoration goes to stderr and only on a TTY. */
export function note(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`${text}\n`);
}

export function exitCodeFor(err: unknown): number {
  if (!isInrecordError(err)) return EXIT.failed;
  return err.code.startsWith('IR_CONFIG') || err.code === 'IR_USAGE' || err.code === 'IR_NOT_IMPLEMENTED'
    ? EXIT.usage
    : EXIT.failed;
}

/** `✖ summary (CODE)`, then why, then what to do. With --json, the same as an object on stdout. */
export function printError(err: unknown, json = false): void {
  const e = isInrecordError(err) ? err : new InrecordError('IR_INTERNAL', (err as Error)?.message ?? String(err), { cause: err });
  if (json) {
    printJson({ ok: false, error: e.toJSON() });
    return;
  }
  const [summary, ...why] = e.message.split('\n');
  process.stderr.write(`✖ ${summary} (${e.code})\n`);
  for (const line of why) process.stderr.write(`  ${line.trim()}\n`);
  process.stderr.write(`  → ${e.fix}\n`);
}

export interface ProgressOptions {
  /** With --json: one JSON line on stderr every few seconds instead of a bar. */
  json?: boolean;
  /** The API calls made so far and the CRM's rate limit, shown beside the count. */
  budget?: () => { calls: number; callsPerWindow: number; windowMs: number };
  now?: () => number;
  write?: (s: string) => void;
  /** Decoration only on a terminal (default: stderr is a TTY). */
  tty?: boolean;
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/**
 * Progress of a long run on stderr: on a terminal a bar with records done / total, the rate, the
 * time left and the API calls spent against the CRM's limit; with --json a JSON line every few
 * seconds (`{"progress":{…}}`), whatever stderr is. The core emits counts, the CLI renders them.
 */
export function progressBar(label: string, opts: ProgressOptions = {}): { update(done: number, total?: number): void; end(): void } {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const now = opts.now ?? Date.now;
  const write = opts.write ?? ((x: string) => process.stderr.write(x));
  const started = now();
  let last = 0;
  let shown = false;
  const figures = (done: number, total?: number) => {
    const elapsed = Math.max(0.001, (now() - started) / 1000);
    const rate = done / elapsed;
    const eta = total && rate > 0 ? Math.max(0, (total - done) / rate) : null;
    const b = opts.budget?.();
    return { label, done, total: total ?? null, perSecond: Math.round(rate * 10) / 10, etaSeconds: eta === null ? null : Math.round(eta), elapsedSeconds: Math.round(elapsed), ...(b ? { apiCalls: b.calls, rateLimit: `${b.callsPerWindow}/${b.windowMs / 1000}s` } : {}) };
  };
  return {
    update(done, total) {
      const t = now();
      if (opts.json) {
        if (t - last < 3000 && done !== total) return;
        last = t;
        write(`${JSON.stringify({ progress: figures(done, total) })}\n`);
        return;
      }
      if (!tty) return;
      if (t - last < 100 && done !== total) return;
      last = t;
      shown = true;
      const f = figures(done, total);
      const width = 30;
      const ratio = total ? Math.min(1, done / total) : 0;
      const bar = total ? `${'█'.repeat(Math.round(ratio * width)).padEnd(width, '░')} ` : '';
      const eta = f.etaSeconds === null ? '' : ` · ${clock(f.etaSeconds)} left`;
      const api = f.apiCalls === undefined ? '' : ` · ${f.apiCalls} API calls (limit ${f.rateLimit})`;
      write(`\r${label} ${bar}${done}${total ? `/${total}` : ''} · ${f.perSecond}/s${eta}${api}\x1b[K`);
    },
    end() {
      if (tty && shown && !opts.json) write('\n');
    },
  };
}
