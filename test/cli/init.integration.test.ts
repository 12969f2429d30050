/**
 * `inrecord init --crm <crm>` as a user meets it: the config it writes runs against the simulator
 * init names — `check --fix`, then `plan`, then `apply` — with nothing set but the CRM's URL and
 * token (the environment variables the config reads), and the scores land in the CRM's fields.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inProcessCli } from './in-process.js';
import * as applyCmd from '../../src/cli/commands/apply.js';
import * as checkCmd from '../../src/cli/commands/check.js';
import * as initCmd from '../../src/cli/commands/init.js';
import * as planCmd from '../../src/cli/commands/plan.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmName } from '../../src/crm/types.js';
import { parseConfig } from '../../src/config/index.js';
import { startSimulator } from '../../src/simulators/index.js';

/** The command modules in this process: stdout captured, the exit code from process.exitCode. */
const inrecord = inProcessCli([initCmd, checkCmd, planCmd, applyCmd]);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The simulator command and the variables `init` prints, as a user would copy them. */
function trial(stdout: string): { crm: CrmName; token: string; env: Record<string, string> } {
  const sim = /inrecord sim (\w+) --port \d+ --token (\S+)/.exec(stdout);
  const exp = /export (.+)/.exec(stdout);
  if (!sim || !exp) throw new Error(`init printed no simulator command:\n${stdout}`);
  const env = Object.fromEntries(
    exp[1]
      .trim()
      .split(/\s+/)
      .map((kv) => kv.split('=') as [string, string]),
  );
  return { crm: sim[1] as CrmName, token: sim[2], env };
}

describe.each(['hubspot', 'salesforce', 'pipedrive'] as CrmName[])('inrecord init --crm %s', (crm) => {
  // a fresh simulator, a store, three commands and a read-back: minutes on a loaded two-core machine
  it('writes a config that passes check --fix, plan and apply against the simulator init names, and the scores land', async () => {
    const dir = mkdtempSync(join(tmpdir(), `inrecord-init-${crm}-`));
    dirs.push(dir);
    const file = join(dir, 'inrecord.yaml');
    const init = await inrecord({}, 'init', '--crm', crm, '--out', file);
    expect(init.code).toBe(0);
    const t = trial(init.stdout);
    expect(t.crm).toBe(crm);
    const written = readFileSync(file, 'utf8');
    // the simulator as init names it, on a free port (the printed one may be taken on a test machine)
    const sim = await startSimulator(crm, { token: t.token, port: 0 });
    try {
      const urlVar = Object.keys(t.env).find((k) => t.env[k]?.startsWith('http://')) as string;
      const env: Record<string, string> = { ...t.env, [urlVar]: sim.url, DATABASE_URL: '' };
      const g = ['--config', file, '--data-dir', join(dir, 'data')];

      const check = await inrecord(env, ...g, 'check', '--fix');
      expect(check.stdout).toMatch(/\+ created/);
      expect(check.stdout).not.toMatch(/✖/);
      expect(check.stdout).not.toMatch(/label "[^"]* c"/); // no Salesforce __c suffix left in a label
      expect(check.code).toBe(0);
      const again = await inrecord(env, ...g, 'check');
      expect(again.stdout).toMatch(/✔/);
      expect(again.code).toBe(0);

      const plan = await inrecord(env, ...g, '--json', 'plan');
      expect(plan.code).toBe(0);
      const planned = JSON.parse(plan.stdout) as { counts: { write: number; rejected: number } };
      expect(planned.counts.write).toBeGreaterThan(0);
      expect(planned.counts.rejected).toBe(0);

      const apply = await inrecord(env, ...g, '--json', 'apply');
      expect(apply.code).toBe(0);
      const applied = JSON.parse(apply.stdout) as {
        flows: {
          flow: string;
          rejected: unknown[];
          apply: { fields: { written: number; failed: number } } | null;
        }[];
      };
      const scoring = applied.flows.find((f) => f.flow === 'lead-scoring');
      expect(scoring?.rejected).toEqual([]);
      expect(scoring?.apply?.fields.written).toBeGreaterThan(0);
      expect(scoring?.apply?.fields.failed).toBe(0);

      // the scores, read back from the CRM through the mapped fields
      const config = parseConfig(written, { ...process.env, ...env });
      const flow = config.flows.find((f) => f.name === 'lead-scoring');
      if (!flow) throw new Error('no lead-scoring flow');
      const connector = await createConnector(config.crm);
      const schema = await connector.describe(flow.object);
      const apiName = (name: string) =>
        schema.fields.find(
          (f) => f.name === name || f.label.toLowerCase() === name.replace(/_/g, ' ').toLowerCase(),
        )?.name as string;
      const score = apiName(flow.outputs.score as string);
      const reason = apiName(flow.outputs.score_reason as string);
      const scored: { score: unknown; reason: unknown }[] = [];
      for await (const page of connector.readChanged(flow.object, null, [score, reason])) {
        for (const r of page)
          if (r.fields[score] !== null && r.fields[score] !== undefined)
            scored.push({ score: r.fields[score], reason: r.fields[reason] });
      }
      // the fields were created empty by check --fix: every score read back is one apply wrote, with its reason
      expect(scored.length).toBeGreaterThan(0);
      expect(scoring?.apply?.fields.written).toBe(scored.length * 2);
      for (const s of scored) {
        expect(Number(s.score)).toBeGreaterThanOrEqual(0);
        expect(Number(s.score)).toBeLessThanOrEqual(100);
        expect(String(s.reason)).toMatch(/\w/);
      }
    } finally {
      await sim.close();
    }
  }, 300_000);
});
