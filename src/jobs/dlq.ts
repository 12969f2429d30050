/** Dead letters: list, show, replay exactly (same queue, same data), discard. */
import { InrecordError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import type { JobEngine } from './engine.js';
import { type DeadLetter, getDeadLetter, listDeadLetters, markDeadLetter } from './queries.js';

export async function requireDeadLetter(store: Store, id: number): Promise<DeadLetter> {
  const dl = await getDeadLetter(store, id);
  if (!dl) throw new InrecordError('IR_JOB_NOT_FOUND', `no dead letter #${id}`);
  return dl;
}

/** Sends the job again with its original data; the dead letter is kept, marked replayed. */
export async function replayDeadLetter(engine: JobEngine, id: number): Promise<{ jobId: string | null; deadLetter: DeadLetter }> {
  const dl = await requireDeadLetter(engine.store, id);
  if (dl.status !== 'open') {
    throw new InrecordError('IR_USAGE', `dead letter #${id} is already ${dl.status}`, { fix: 'Only open dead letters can be replayed.' });
  }
  const jobId = await engine.send(dl.queue, dl.data);
  await markDeadLetter(engine.store, id, 'replayed', jobId ?? undefined);
  return { jobId, deadLetter: dl };
}

export async function discardDeadLetter(store: Store, id: number): Promise<DeadLetter> {
  const dl = await requireDeadLetter(store, id);
  if (dl.status !== 'open') throw new InrecordError('IR_USAGE', `dead letter #${id} is already ${dl.status}`);
  await markDeadLetter(store, id, 'discarded');
  return dl;
}

export { listDeadLetters };
