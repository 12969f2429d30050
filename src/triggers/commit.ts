/**
 * Group commit for webhook ingress: receipts and jobs of webhooks that arrive while the previous
 * commit is in flight are stored together — one receipt insert and one enqueue for many webhooks
 * under load, one each for a lone webhook. A webhook is acknowledged only once its own receipts and
 * jobs are stored.
 */
import type { Store } from '../store/index.js';
import { insertReceipts } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

export interface ReceiptItem {
  crm: string;
  key: string;
  payload: unknown;
  /** `rejected`: an event refused on its own (its payload says why); never has a job. */
  status?: 'enqueued' | 'rejected';
  /** Enqueued when this receipt is new. */
  job?: RecordJob;
}

/** Stores receipts (and the jobs of the new ones); resolves to the keys that were new. */
export type ReceiptCommitter = (items: ReceiptItem[]) => Promise<Set<string>>;

/** Stores each call's items on their own (tests, one-off ingress). */
export function directCommitter(store: Store, queue: RecordQueue): ReceiptCommitter {
  return async (items) => {
    const fresh = await storeReceipts(store, queue, items);
    return new Set(items.filter((i) => fresh.has(i.key)).map((i) => i.key));
  };
}

/**
 * Receipts and the jobs of the new ones in one transaction: a crash between the two would leave a
 * receipt whose redelivery counts as a duplicate while its job was never stored.
 */
async function storeReceipts(store: Store, queue: RecordQueue, items: ReceiptItem[]): Promise<Set<string>> {
  const fresh = new Set<string>();
  const enqueued = await store.transaction(async (tx) => {
    for (const crm of new Set(items.map((i) => i.crm))) {
      const mine = items.filter((i) => i.crm === crm);
      for (const k of await insertReceipts(tx, crm, mine.map((i) => ({ key: i.key, payload: i.payload, status: i.status ?? 'enqueued' })))) fresh.add(k);
    }
    const jobs: RecordJob[] = [];
    const seen = new Set<string>();
    for (const i of items) {
      // the same key twice in one commit: the first is the new one, the second a duplicate
      if (!i.job || !fresh.has(i.key) || seen.has(i.key)) continue;
      seen.add(i.key);
      jobs.push(i.job);
    }
    if (jobs.length > 0) await queue.enqueue(jobs, tx);
    return jobs.length;
  });
  if (enqueued > 0) queue.committed?.();
  return fresh;
}

/** Batches the items of calls that overlap a commit in flight into the next commit. */
export function groupCommitter(store: Store, queue: RecordQueue): ReceiptCommitter {
  let pending: { items: ReceiptItem[]; resolve: (fresh: Set<string>) => void; reject: (err: unknown) => void }[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const all = batch.flatMap((b) => b.items);
      try {
        const fresh = await storeReceipts(store, queue, all);
        // a key new in this commit belongs to the first caller that sent it
        const claimed = new Set<string>();
        for (const b of batch) {
          const mine = new Set<string>();
          for (const i of b.items) {
            if (fresh.has(i.key) && !claimed.has(i.key)) {
              claimed.add(i.key);
              mine.add(i.key);
            }
          }
          b.resolve(mine);
        }
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    running = false;
  };
  return (items) =>
    new Promise<Set<string>>((resolve, reject) => {
      if (items.length === 0) return resolve(new Set());
      pending.push({ items, resolve, reject });
      if (!running) void drain();
    });
}
