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

/** A progress bar on stderr, only on a TTY; the core emits counts, the CLI renders them. */
export function progressBar(label: string): { update(done: number, total?: number): void; end(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  return {
    update(done, total) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      const width = 30;
      const ratio = total ? Math.min(1, done / total) : 0;
      const bar = total ? `${'█'.repeat(Math.round(ratio * width)).padEnd(width, '░')} ` : '';
      process.stderr.write(`\r${label} ${bar}${done}${total ? `/${total}` : ''}`);
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}
