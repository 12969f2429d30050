/** `inrecord reconcile` and `inrecord validate identities` as a user runs them: a real process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { generateWorld } from '../simulators/seed/index.js';
import { openStore } from '../store/index.js';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import { buildIdentityBenchSet } from './benchset.js';
import { listSnapshot } from './live.js';
import { sampleExternalViews } from './validate.js';

const run = promisify(execFile);
const MAIN = resolve('src/cli/main.ts');
const jsonl = (xs: unknown[]) => `${xs.map((x) => JSON.stringify(x)).join('\n')}\n`;

describe('inrecord reconcile / validate identities', () => {
  let dir: string;
  let sim: RunningSimulator;
  let set: ReturnType<typeof buildIdentityBenchSet>;
  const cli = async (...args: string[]) => {
    try {
      const r = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          MAIN,
          '--config',
          join(dir, 'inrecord.yaml'),
          '--data-dir',
          join(dir, 'data'),
          ...args,
        ],
        {
          env: { ...process.env, DATABASE_URL: '' },
        },
      );
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'inrecord-identity-'));
    set = buildIdentityBenchSet(generateWorld({ seed: 21, contacts: 600 }));
    writeFileSync(join(dir, 'contacts.jsonl'), jsonl(set.contacts));
    writeFileSync(join(dir, 'companies.jsonl'), jsonl(set.companies));
    writeFileSync(
      join(dir, 'input.jsonl'),
      `${jsonl(set.inputs.slice(0, 200))}{"key":"bad1","type":"person"}\nnot json at all\n`,
    );
    sim = await startSimulator('salesforce', { records: 60, seed: 4 });
    writeFileSync(
      join(dir, 'inrecord.yaml'),
      `crm:\n  kind: salesforce\n  baseUrl: ${sim.apiBase}\n  auth:\n    token: ${sim.token}\n`,
    );
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offline --train: weights estimated from the export and the inputs, still no wrong match; live --train is refused', async () => {
    const out = join(dir, 'out-trained.jsonl');
    const files = ['--crm-contacts', join(dir, 'contacts.jsonl'), '--crm-companies', join(dir, 'companies.jsonl')];
    const r = await cli('reconcile', ...files, '--input', join(dir, 'input.jsonl'), '--out', out, '--train');
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; status: string; id: string | null });
    expect(lines).toHaveLength(202);
    const matched = lines.filter((l) => l.status === 'matched');
    expect(matched.length).toBeGreaterThan(100);
    for (const l of matched) expect(set.expected.get(l.key)?.truth, l.key).toContain(l.id);
    const live = await cli('reconcile', '--crm', 'salesforce', '--input', join(dir, 'input.jsonl'), '--out', out, '--train');
    expect(live.code).not.toBe(0);
    expect(live.stderr).toContain('--train needs the whole CRM');
  }, 60_000);

  it('offline: one output line per input, malformed lines reported and written as unmatched, exit 0', async () => {
    const out = join(dir, 'out.jsonl');
    const r = await cli(
      'reconcile',
      '--crm-contacts',
      join(dir, 'contacts.jsonl'),
      '--crm-companies',
      join(dir, 'companies.jsonl'),
      '--input',
      join(dir, 'input.jsonl'),
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('line 201 (key bad1)');
    expect(r.stderr).toContain('line 202');
    expect(r.stderr).toMatch(
      /reconciled 202 input\(s\): \d+ matched, \d+ ambiguous, \d+ unmatched \(2 malformed/,
    );
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(202);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(['candidates', 'confidence', 'id', 'key', 'reason', 'status']);
      expect(l.reason.length).toBeGreaterThan(5);
    }
    expect(lines.find((l) => l.key === 'bad1')).toMatchObject({ status: 'unmatched', id: null });
    expect(lines.find((l) => l.key === 'line:202')?.reason).toContain('line 202');

    const j = await cli(
      '--json',
      'reconcile',
      '--crm-contacts',
      join(dir, 'contacts.jsonl'),
      '--crm-companies',
      join(dir, 'companies.jsonl'),
      '--input',
      join(dir, 'input.jsonl'),
      '--out',
      out,
    );
    expect(JSON.parse(j.stdout)).toMatchObject({ total: 202, malformed: 2 });
  }, 60_000);

  it('validate identities over files: a report with no mismatch, exit 0', async () => {
    const r = await cli(
      '--json',
      'validate',
      'identities',
      '--sample',
      '100',
      '--crm-contacts',
      join(dir, 'contacts.jsonl'),
      '--crm-companies',
      join(dir, 'companies.jsonl'),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'files', sampled: 100, mismatches: 0 });
  }, 60_000);

  it('live: resolves through the connector, records links and review items, in few calls', async () => {
    const connector = await createConnector(
      crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token } }),
    );
    const inputs = sampleExternalViews(await listSnapshot(connector), 40, 2).map((c) => c.input);
    const input = join(dir, 'live-input.jsonl');
    writeFileSync(
      input,
      jsonl([
        ...inputs,
        { key: 'nobody', type: 'contact', email: 'nobody@nowhere-at-all.example', full_name: 'No Body' },
      ]),
    );
    const out = join(dir, 'live-out.jsonl');
    const r = await cli('--json', 'reconcile', '--crm', 'salesforce', '--input', input, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.total).toBe(inputs.length + 1);
    expect(summary.crmCalls).toBeLessThanOrEqual(6);
    const store = await openStore({ dataDir: join(dir, 'data') });
    try {
      const open = await store.query<{ subject_key: string; payload: { outcome: string } }>(
        `SELECT subject_key, payload FROM review_items WHERE kind = 'identity' AND status = 'open'`,
      );
      expect(open.map((o) => o.subject_key)).toContain('nobody');
      expect(open.find((o) => o.subject_key === 'nobody')?.payload.outcome).toBe('unmatched');
    } finally {
      await store.close();
    }
    const wrong = await cli('reconcile', '--crm', 'hubspot', '--input', input, '--out', out);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('config connects to salesforce');
  }, 180_000);
});
