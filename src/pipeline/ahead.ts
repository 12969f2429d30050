/**
 * Reads an async source ahead of its consumer, up to `max` items: the CRM's read pages keep coming
 * while write-back waits on its own calls, so reads and writes each use their share of the rate
 * limit instead of taking turns. Memory is bounded by `max` items; a fault of the source reaches
 * the consumer at the point it happened, after the items read before it.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const buffered: IteratorResult<T>[] = [];
  const failed: { fault?: { e: unknown } } = {};
  let wake = (): void => {};
  let room = (): void => {};
  let stopped = false;
  const pump = (async () => {
    try {
      for (;;) {
        while (buffered.length >= max && !stopped) await new Promise<void>((r) => (room = r));
        if (stopped) return;
        const r = await it.next();
        buffered.push(r);
        wake();
        if (r.done) return;
      }
    } catch (e) {
      failed.fault = { e };
      wake();
    }
  })();
  try {
    for (;;) {
      while (buffered.length === 0 && !failed.fault) await new Promise<void>((r) => (wake = r));
      const next = buffered.shift();
      room();
      if (!next) throw failed.fault?.e;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // the consumer stopped early (or failed): stop reading and let the source close
    stopped = true;
    room();
    await pump;
    await it.return?.();
  }
}
