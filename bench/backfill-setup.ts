/**
 * What the backfill benchmarks share: the simulator in its own process with a real account's
 * limits, the config a backfill runs with, and `inrecord` run as a real process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CrmName } from '../src/crm/types.js';
import { demoConfig } from '../src/demo/index.js';

export interface Limits {
  callsPerWindow: number;
  windowMs: number;
  searchPerSecond?: number;
}

/** The limits of a real account of each CRM (docs/reference/<crm>.md); Salesforce has none per window. */
export const REAL: Record<CrmName, Limits | null> = {
  hubspot: { callsPerWindow: 190, windowMs: 10_000, searchPerSecond: 5 },
  pipedrive: { callsPerWindow: 100, windowMs: 2_000 },
  salesforce: null,
};

/** Records per call: read page, write batch, verification read batch. */
export const SIZES: Record<CrmName, { page: number; write: number; verify: number }> = {
  hubspot: { page: 200, write: 100, verify: 100 },
  pipedrive: { page: 500, write: 1, verify: 100 },
  salesforce: { page: 2000, write: 200, verify: 200 },
};

const SF_CONTACT_RULES = {
  features: {
    title: { field: 'Title', type: 'category', label: 'title {value}' },
    department: { field: 'Department', type: 'category', label: 'department {value}' },
  },
  base: 40,
  rules: [
    { feature: 'title', missing: true, points: -10, label: 'title unknown' },
    { feature: 'department', missing: true, points: -5, label: 'department unknown' },
  ],
};

/** `inrecord <args>` in its own process; `timed`: under /usr/bin/time (peak RSS and CPU on stderr). */
export const inrecord = (args: string[], timed = true): ChildProcess =>
  spawn(
    timed ? '/usr/bin/time' : process.execPath,
    [
      ...(timed ? ['-f', 'peak-rss-kb %M cpu-s %U %S', process.execPath] : []),
      '--import',
      'tsx',
      resolve('src/cli/main.ts'),
      ...args,
    ],
    {
      cwd: resolve('.'),
      env: { ...process.env, DATABASE_URL: '', INRECORD_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );

export async function finished(
  child: ChildProcess,
): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (c) => (out += String(c)));
  child.stderr?.on('data', (c) => (err += String(c)));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, out, err };
}

/** The simulator in its own process; resolves once it listens. */
export async function simulator(
  crm: CrmName,
  records: number,
): Promise<{ child: ChildProcess; apiBase: string; token: string; url: string }> {
  const limits = REAL[crm];
  const args = ['--json', 'sim', crm, '--records', String(records), '--seed', '5'];
  if (limits) args.push('--rate-limit', `${limits.callsPerWindow}/${limits.windowMs}`);
  if (limits?.searchPerSecond) args.push('--search-per-second', String(limits.searchPerSecond));
  const child = spawn(
    process.execPath,
    ['--max-old-space-size=16000', '--import', 'tsx', resolve('src/cli/main.ts'), ...args],
    { cwd: resolve('.'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  return new Promise((ok, fail) => {
    child.once('exit', (c) => fail(new Error(`simulator exited with ${c}`)));
    child.stdout?.on('data', (c) => {
      out += String(c);
      try {
        const j = JSON.parse(out) as { apiBase: string; token: string; url: string };
        ok({ child, ...j });
      } catch {
        // not whole yet
      }
    });
  });
}

/**
 * The config of a backfill in `dir`: the demo's scoring flow (on Salesforce, whose demo scores
 * leads, the same kind of rules on contacts), its score owned by the AI, the gate open, the
 * embedded store; the simulator's limits. Returns the config file's path.
 */
export function backfillConfig(
  crm: CrmName,
  sim: { apiBase: string; token: string },
  dir: string,
  bulk: boolean,
): string {
  const base = demoConfig(crm, { apiBase: sim.apiBase, token: sim.token });
  // the demo's scoring flow; on Salesforce (whose demo scores leads) the same rules on contacts
  const demoFlow = base.flows.find((f) => f.kind === 'scoring');
  if (!demoFlow) throw new Error(`no scoring flow in the ${crm} demo config`);
  const flow =
    crm === 'salesforce'
      ? {
          ...demoFlow,
          object: 'contact' as const,
          outputs: { score: 'Inrecord_Score__c' },
          settings: SF_CONTACT_RULES,
        }
      : demoFlow;
  const limits = REAL[crm];
  const config = {
    crm: {
      ...base.crm,
      ...(crm === 'salesforce' ? { bulk: { enabled: bulk } } : {}),
      ...(limits
        ? {
            rateLimit: {
              callsPerWindow: limits.callsPerWindow,
              windowMs: limits.windowMs,
              ...(limits.searchPerSecond ? { searchPerSecond: limits.searchPerSecond } : {}),
            },
          }
        : {}),
    },
    store: { dataDir: join(dir, 'store') },
    // the AI owns the score: every record is written once, whatever the seed left in it
    objects: { [flow.object]: { fields: { [flow.outputs.score as string]: { owner: 'ai' } } } },
    flows: [
      {
        name: flow.name,
        kind: flow.kind,
        object: flow.object,
        outputs: { score: flow.outputs.score },
        settings: { ...flow.settings, model: 'rules' },
        gate: { mode: 'open' },
      },
    ],
  };
  const file = join(dir, 'inrecord.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
