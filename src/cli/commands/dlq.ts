import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import { createJobEngine, discardDeadLetter, listDeadLetters, replayDeadLetter, requireDeadLetter } from '../../jobs/index.js';
import { action, globals } from '../command.js';
import { openCommandStore } from '../context.js';
import { printJson, printLine } from '../output.js';

const idArg = (v: string): number => {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n <= 0) throw new InrecordError('IR_USAGE', `"${v}" is not a dead-letter id`, { fix: 'Use an id from `inrecord dlq list`.' });
  return n;
};

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

export function register(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: jobs that failed for good, with everything needed to replay them');

  dlq
    .command('list')
    .description('list dead letters (open by default)')
    .option('--status <status>', 'open | replayed | discarded | all', 'open')
    .option('--queue <queue>', 'only this queue')
    .option('--limit <n>', 'how many', (v) => Number.parseInt(v, 10), 50)
    .action(
      action(async (opts: { status: string; queue?: string; limit: number }, cmd: Command) => {
        const { store } = await openCommandStore(cmd);
        try {
          const rows = await listDeadLetters(store, { status: opts.status === 'all' ? undefined : opts.status, queue: opts.queue, limit: opts.limit });
          if (globals(cmd).json) return printJson(rows);
          if (rows.length === 0) return printLine(`no ${opts.status === 'all' ? '' : `${opts.status} `}dead letters`);
          for (const r of rows) {
            printLine(`#${r.id}  ${r.queue}  ${r.status}  attempts ${r.attempts}  ${r.error.code ?? ''}: ${r.error.message ?? ''}`);
          }
        } finally {
          await store.close();
        }
      }),
    );

  dlq
    .command('show <id>')
    .description('one dead letter: its job data, error and attempts')
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        const { store } = await openCommandStore(cmd);
        try {
          const dl = await requireDeadLetter(store, idArg(id));
          if (globals(cmd).json) return printJson(dl);
          printLine(`#${dl.id}  queue ${dl.queue}  job ${dl.job_id}  ${dl.status}  attempts ${dl.attempts}`);
          printLine(`error: ${dl.error.code ?? ''} ${dl.error.message ?? ''}`);
          if (dl.error.context) printLine(`context: ${JSON.stringify(dl.error.context)}`);
          printLine(`data: ${JSON.stringify(dl.data, null, 2)}`);
        } finally {
          await store.close();
        }
      }),
    );

  dlq
    .command('replay <id>')
    .description('send the job again with its original data (a running worker picks it up)')
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        const { store } = await openCommandStore(cmd);
        const engine = await createJobEngine(store);
        try {
          const dl = await requireDeadLetter(store, idArg(id));
          await engine.declare(dl.queue);
          const { jobId } = await replayDeadLetter(engine, dl.id);
          if (globals(cmd).json) return printJson({ ok: true, id: dl.id, queue: dl.queue, jobId });
          printLine(`replayed #${dl.id} on ${dl.queue} as job ${jobId}`);
        } finally {
          await engine.stop();
          await store.close();
        }
      }),
    );

  dlq
    .command('discard <id>')
    .description('give up on a dead letter (kept, marked discarded)')
    .option('--yes', 'do not ask for confirmation')
    .action(
      action(async (id: string, opts: { yes?: boolean }, cmd: Command) => {
        if (!opts.yes && !(await confirm(`discard dead letter #${id}?`))) {
          throw new InrecordError('IR_USAGE', `not discarded: confirmation needed`, { fix: 'Answer y, or pass --yes.' });
        }
        const { store } = await openCommandStore(cmd);
        try {
          const dl = await discardDeadLetter(store, idArg(id));
          if (globals(cmd).json) return printJson({ ok: true, id: dl.id });
          printLine(`discarded #${dl.id}`);
        } finally {
          await store.close();
        }
      }),
    );
}
