/**
 * Worker processes: the queues this process works (each with its handler and options), started
 * together and stopped gracefully on SIGTERM/SIGINT — jobs in hand finish and are completed, jobs
 * fetched but not started go back to the queue, nothing is left to expire. Several such processes
 * (on one machine or several) share the queues through the Postgres server.
 */
import { InrecordError } from '../errors/index.js';
import type { JobEngine, JobHandler, QueueOptions } from './engine.js';

export interface QueueDefinition<T = unknown> {
  queue: string;
  handler: JobHandler<T>;
  options?: QueueOptions;
}

export interface RunningWorkers {
  queues: string[];
  /** Resolves once the workers have stopped (a signal, or stop()). */
  stopped: Promise<string>;
  stop(reason?: string): Promise<void>;
}

/** The producer side of a queue, shaped like the trigger layer's RecordQueue. */
export function queueOf<T>(engine: JobEngine, queue: string, keyOf?: (item: T) => string) {
  return {
    async enqueue(items: T[]): Promise<void> {
      await engine.sendBatch(
        queue,
        items.map((data) => ({ data, singletonKey: keyOf?.(data) })),
      );
    },
  };
}

export async function runWorkers(
  engine: JobEngine,
  defs: QueueDefinition[],
  opts: { signals?: NodeJS.Signals[]; only?: string[] } = {},
): Promise<RunningWorkers> {
  const chosen = opts.only?.length ? defs.filter((d) => opts.only!.includes(d.queue)) : defs;
  const unknown = (opts.only ?? []).filter((q) => !defs.some((d) => d.queue === q));
  if (unknown.length > 0) {
    throw new InrecordError('IR_USAGE', `no handler for queue(s) ${unknown.join(', ')}`, {
      fix: `Queues this worker can work: ${defs.map((d) => d.queue).join(', ') || '(none)'}.`,
    });
  }
  if (chosen.length === 0) {
    throw new InrecordError('IR_USAGE', 'no queue to work', { fix: 'Configure flows (inrecord.yaml) so that there are queues with handlers.' });
  }
  for (const d of chosen) await engine.register(d.queue, d.handler, d.options);
  engine.work(chosen.map((d) => d.queue));

  let resolve!: (reason: string) => void;
  const stopped = new Promise<string>((r) => (resolve = r));
  let stopping: Promise<void> | undefined;
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const stop = (reason = 'stopped'): Promise<void> => {
    stopping ??= engine.stop().then(() => {
      for (const s of signals) process.off(s, onSignal);
      resolve(reason);
    });
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => void stop(signal);
  for (const s of signals) process.on(s, onSignal);
  return { queues: chosen.map((d) => d.queue), stopped, stop };
}
