/**
 * The embedded store beside a running daemon, again and again: each cycle starts `inrecord run`,
 * runs apply, runs, monitor, review, dlq and a calendar import all at once beside it, stops the
 * daemon and opens the store in a fresh process. `npm test` runs one cycle of the same test; this
 * runs it 20 times (or `cycles=N`).
 *   npm run bench -- store-owner [cycles=20]
 */
import { spawnSync } from 'node:child_process';
import type { BenchResult } from './run.js';

export async function run(args: string[]): Promise<BenchResult> {
  const cycles = Number(args.find((a) => a.startsWith('cycles='))?.split('=')[1] ?? 20);
  const started = Date.now();
  const test = spawnSync(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      'test/cli/store-owner.integration.test.ts',
      '-t',
      'everyday commands',
    ],
    { env: { ...process.env, INRECORD_STORE_CYCLES: String(cycles) }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const seconds = (Date.now() - started) / 1000;
  const passed = test.status === 0;
  if (!passed) process.stderr.write(test.stdout + test.stderr);
  return {
    name: 'store-owner',
    rows: [
      { metric: 'cycles: daemon + six commands beside it, stop, clean open', value: passed ? cycles : 0, unit: 'cycles', target: `= ${cycles}`, pass: passed },
      { metric: 'wall time per cycle', value: seconds / cycles, unit: 's' },
    ],
  };
}
