/**
 * The write-back commands against the Pipedrive simulator: check (wrong mapping → exit 1, then
 * --fix), plan --json, apply twice, rollback without and with --yes, runs. The commands run
 * in-process through commander (a process costs seconds on a loaded machine); the first apply runs
 * as a real `inrecord` process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as applyCmd from '../cli/commands/apply.js';
import * as checkCmd from '../cli/commands/check.js';
import * as planCmd from '../cli/commands/plan.js';
import * as rollbackCmd from '../cli/commands/rollback.js';
import * as runsCmd from '../cli/commands/runs.js';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';

const run = promisify(execFile);
const MAIN = resolve('src/cli/main.ts');

let sim: RunningSimulator;
let dir: string;

/** The command in this process: stdout and stderr captured, the exit code from process.exitCode. */
async function inProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('inrecord').option('-c, --config <path>').option('--data-dir <dir>').option('--json').exitOverride();
  for (const m of [checkCmd, planCmd, applyCmd, rollbackCmd, runsCmd]) m.register(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  }) as typeof process.stderr.write;
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = '';
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'inrecord', '--config', join(dir, 'inrecord.yaml'), '--data-dir', join(dir, 'data'), ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

async function inrecord(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, '--config', join(dir, 'inrecord.yaml'), '--data-dir', join(dir, 'data'), ...args], {
      // tsx resolves from the package root
      cwd: resolve('.'),
      env: { ...process.env, DATABASE_URL: '' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

function config(outputs: Record<string, string>): void {
  const lines = [
    'crm:',
    '  kind: pipedrive',
    `  baseUrl: ${sim.url}`,
    '  auth:',
    `    token: ${sim.token}`,
    'objects:',
    '  contact:',
    '    fields:',
    '      Lead score: { owner: ai, stamp: lead_score_stamp }',
    '      Lead grade: { owner: hybrid, onConflict: flag }',
    '      Seniority: { owner: rep }',
    'flows:',
    '  - name: scoring',
    '    kind: scoring',
    '    object: contact',
    '    gate: { mode: open }',
    '    settings: { features: { seniority: { field: Seniority, type: category } } }',
    '    outputs:',
    ...Object.entries(outputs).map(([k, v]) => `      ${k}: ${v}`),
  ];
  writeFileSync(join(dir, 'inrecord.yaml'), `${lines.join('\n')}\n`);
}

beforeAll(async () => {
  sim = await startSimulator('pipedrive', { records: 20, seed: 4 });
  dir = mkdtempSync(join(tmpdir(), 'inrecord-wb-'));
  const lines = [1, 2, 3].map((id) =>
    JSON.stringify({ object: 'contact', recordId: String(id), outputs: [{ name: 'score', field: 'Lead score', value: 70 + id, flow: 'scoring', modelVersion: 'r1' }] }),
  );
  lines.push(JSON.stringify({ object: 'contact', recordId: '4', outputs: [{ name: 'grade', field: 'Lead grade', value: 'Z', flow: 'scoring' }] }));
  writeFileSync(join(dir, 'out.jsonl'), `${lines.join('\n')}\n`);
}, 30_000);

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('write-back commands', () => {
  it('check fails on a wrong mapping, names object, field and fix; --fix creates the stamp', async () => {
    config({ score: 'Seniority' });
    const bad = await inProcess('check');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✖ contact\.Seniority: flow scoring output score → contact\.Seniority: the field is owned by rep/);
    expect(bad.stdout).toMatch(/→ /);
    config({ score: 'Lead score' });
    const fixed = await inProcess('check', '--fix');
    expect(fixed.stdout).toMatch(/\+ created contact\.[0-9a-f]{40} \(string, label "Lead score stamp"\)/);
    expect(fixed.code).toBe(0);
  }, 60_000);

  it('plan shows, apply writes, the second apply writes nothing, rollback needs --yes', async () => {
    const plan = JSON.parse((await inProcess('--json', 'plan', '--outputs', join(dir, 'out.jsonl'))).stdout);
    expect(plan.counts).toMatchObject({ write: 3, rejected: 1 });
    const first = await inrecord('--json', 'apply', '--outputs', join(dir, 'out.jsonl'));
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.stdout);
    expect(s1.fields).toMatchObject({ written: 3, rejected: 1 });
    const s2 = JSON.parse((await inProcess('--json', 'apply', '--outputs', join(dir, 'out.jsonl'))).stdout);
    expect(s2.fields).toMatchObject({ written: 0, unchanged: 3 });
    expect(s2.writeBatches).toBe(0);
    const refused = await inProcess('rollback', s1.runId);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const rb = JSON.parse((await inProcess('--json', 'rollback', s1.runId, '--yes')).stdout);
    expect(rb.restored).toHaveLength(6); // 3 scores and their 3 stamps
    expect(rb.skipped).toEqual([]);
    const runs = JSON.parse((await inProcess('--json', 'runs')).stdout) as { id: string; status: string }[];
    expect(runs.find((r) => r.id === s1.runId)?.status).toBe('rolled_back');
  }, 90_000);

  it('plan shows a value a rep set before inrecord first wrote the field as flagged, and why', async () => {
    const connector = await createConnector(crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token } }));
    const grade = (await connector.describe('contact')).fields.find((f) => f.label === 'Lead grade');
    await connector.close();
    const d = grade?.options?.find((o) => o.label === 'D')?.value;
    await sim.repEdit({ object: 'persons', id: '6', fields: { [grade?.name as string]: Number(d) }, userId: '2' });
    const file = join(dir, 'grade.jsonl');
    writeFileSync(file, `${JSON.stringify({ object: 'contact', recordId: '6', outputs: [{ name: 'grade', field: 'Lead grade', value: 'A', flow: 'scoring' }] })}\n`);
    const plan = JSON.parse((await inProcess('--json', 'plan', '--outputs', file)).stdout);
    expect(plan.counts).toMatchObject({ write: 0, flagged: 1 });
    expect(plan.plans[0].decisions[0]).toMatchObject({ action: 'flagged', reason: 'human-value-before-first-write', conflict: { by: '2' } });
    const text = (await inProcess('plan', '--outputs', file)).stdout;
    expect(text).toMatch(/flagged +Lead grade: .+ → .+ \(human-value-before-first-write\) — edited by 2 at \d{4}-/);
  }, 60_000);
});
