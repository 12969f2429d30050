/**
 * `npm run bench -- <name> [more names]`: runs bench/<name>.bench.ts, prints a table and writes
 * JSON to bench/results/<name>-<timestamp>.json. A benchmark exports
 * `run(args: string[]): Promise<BenchResult>`; figures are medians over several runs where the
 * benchmark repeats, because the machines are shared and noisy.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  /** What was measured, e.g. "jobs/s · postgres · 3 workers". */
  metric: string;
  value: number;
  unit: string;
  /** The target from the issue, e.g. ">= 2000". */
  target?: string;
  pass?: boolean;
  note?: string;
}

export interface BenchResult {
  name: string;
  rows: BenchRow[];
  meta?: Record<string, unknown>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));

function available(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .sort();
}

function printTable(result: BenchResult): void {
  const rows = result.rows.map((r) => [
    r.metric,
    Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(r.value < 10 ? 3 : 1),
    r.unit,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS',
    r.note ?? '',
  ]);
  const head = ['metric', 'value', 'unit', 'target', '', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`\n${result.name}\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const names = name === 'all' ? available() : name ? [name] : [];
  if (names.length === 0) {
    process.stderr.write(`usage: npm run bench -- <name|all> [args]\navailable: ${available().join(', ')}\n`);
    process.exit(2);
  }
  mkdirSync(`${dir}/results`, { recursive: true });
  let failed = false;
  for (const n of names) {
    if (!available().includes(n)) {
      process.stderr.write(`no benchmark "${n}"; available: ${available().join(', ')}\n`);
      process.exit(2);
    }
    const mod = (await import(`./${n}.bench.ts`)) as { run(args: string[]): Promise<BenchResult> };
    const result = await mod.run(args);
    printTable(result);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const out = `${dir}/results/${n}-${stamp}.json`;
    writeFileSync(out, JSON.stringify({ ...result, at: new Date().toISOString(), node: process.version }, null, 2));
    process.stdout.write(`\nwrote ${out}\n`);
    if (result.rows.some((r) => r.pass === false)) failed = true;
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
