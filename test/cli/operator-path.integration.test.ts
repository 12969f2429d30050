/**
 * The operator's path, as the README tells a new user to walk it, on each CRM's simulator: real
 * processes in a fresh directory — `inrecord init`, the simulator command it prints, the variables
 * the simulator prints, `check --fix`, `plan`, `apply`, the daemon (`run`), a rep's edit delivered
 * by the simulator as a webhook, `rollback` of the apply run, and the daemon restarted. The config
 * is never edited; every value is read back from the CRM's API.
 *
 * The only departures from the printed commands: free ports instead of 4600–4603 (other tests
 * may hold those), so the simulator's `--port` and the daemon's `--port` (with the webhook URL's
 * port to match) are the ones a test machine has free.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector, CrmName, FieldSchema, FieldValue, ObjectKind } from '../../src/crm/types.js';

const CLI = resolve('src/cli/main.ts');
const TSX = pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The environment a user's shell would have: no test settings, logs at the default level. */
function shellEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, DATABASE_URL: '' };
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  delete env.INRECORD_LOG_LEVEL;
  delete env.INRECORD_DATA_DIR;
  return env;
}

/** `inrecord <args>` in the directory, to its end. */
function inrecord(
  dir: string,
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: dir,
      env: shellEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c) => (stdout += String(c)));
    child.stderr?.on('data', (c) => (stderr += String(c)));
    child.on('exit', (code) => ok({ code, stdout, stderr }));
  });
}

/** A long-running `inrecord <args>` (the simulator, the daemon), its output gathered as it comes. */
function start(dir: string, env: Record<string, string>, args: string[]) {
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: dir,
    env: shellEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (c) => (out.stdout += String(c)));
  child.stderr?.on('data', (c) => (out.stderr += String(c)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    out,
    exited,
    async waitFor(test: () => boolean, what: string, ms = 60_000) {
      const end = Date.now() + ms;
      while (!test()) {
        if (child.exitCode !== null)
          throw new Error(
            `${args.join(' ')} exited ${child.exitCode} before ${what}:\n${out.stdout}\n${out.stderr}`,
          );
        if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms:\n${out.stdout}\n${out.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** A shell line's words, single quotes removed (the commands init prints quote only with them). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** `export A=1 B=2` → { A: '1', B: '2' }. */
function exported(line: string): Record<string, string> {
  return Object.fromEntries(
    words(line.replace(/^\s*export\s+/, '')).map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
}

async function until<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
    v = await read();
  }
  return v;
}

/**
 * A rep's edit of one scoring feature, per CRM: the simulator's object name, the field, the value
 * the rep sets, and the points the template's rules give a feature value (so the expected score
 * after the edit is the score before, minus the old value's points, plus the new value's).
 */
interface RepChange {
  simObject: string;
  field: string;
  /** The value sent to the control API for the record as read (with the field's schema). */
  newValue: (old: FieldValue, schema: FieldSchema) => unknown;
  /** The template's points for a value as read. */
  points: (value: FieldValue, schema: FieldSchema) => number;
  /** Records this edit changes the score of. */
  eligible: (value: FieldValue, schema: FieldSchema) => boolean;
}

const label = (v: FieldValue, s: FieldSchema) => {
  if (v === null || v === undefined || v === '') return '';
  return (s.options?.find((o) => o.value === String(v))?.label ?? String(v)).toLowerCase().replace(/_/g, ' ');
};

const CHANGES: Record<CrmName, RepChange> = {
  hubspot: {
    simObject: 'contacts',
    field: 'hs_lead_status',
    newValue: () => 'CONNECTED',
    points: (v, s) =>
      ['connected', 'in progress', 'open deal'].includes(label(v, s))
        ? 15
        : ['unqualified', 'bad timing'].includes(label(v, s))
          ? -20
          : 0,
    eligible: (v, s) => !['connected', 'in progress', 'open deal'].includes(label(v, s)),
  },
  salesforce: {
    simObject: 'Lead',
    field: 'Web_Visits__c',
    newValue: (v) => Number(v ?? 0) + 5,
    points: (v) => Math.min(2 * Number(v ?? 0), 20),
    eligible: (v) => Number(v ?? 0) <= 5,
  },
  pipedrive: {
    simObject: 'persons',
    field: 'Seniority',
    newValue: (_v, s) => Number(s.options?.find((o) => o.label.toLowerCase() === 'vp')?.value),
    points: (v, s) => {
      const l = label(v, s);
      return l === ''
        ? -10
        : ['c-level', 'vp'].includes(l)
          ? 40
          : l === 'director'
            ? 25
            : l === 'manager'
              ? 10
              : 0;
    },
    eligible: (v, s) => !['c-level', 'vp'].includes(label(v, s)),
  },
};

describe.each(['hubspot', 'salesforce', 'pipedrive'] as CrmName[])('the operator path on %s', (crm) => {
  it('init → sim → check --fix → plan → apply → run (a webhook processed) → rollback → restart, every value read back from the CRM', async () => {
    const t0 = Date.now();
    const laps: string[] = [];
    let last = t0;
    const lap = (step: string) => {
      laps.push(`${step} ${((Date.now() - last) / 1000).toFixed(1)}`);
      last = Date.now();
    };
    const dir = mkdtempSync(join(tmpdir(), `inrecord-path-${crm}-`));
    dirs.push(dir);

    // 1. init, as printed
    const init = await inrecord(dir, {}, ['init', '--crm', crm]);
    expect(init.code, init.stderr).toBe(0);
    const simLine = init.stdout.split('\n').find((l) => /^\s*inrecord sim /.test(l));
    expect(simLine, init.stdout).toBeDefined();

    // 2. the simulator, as printed (free ports), and the variables it prints
    const daemonPort = await freePort();
    const simArgs = words((simLine as string).replace(/\s+\(in another terminal.*$/, ''))
      .slice(1)
      .map((w, i, all) =>
        all[i - 1] === '--port' ? '0' : w.replace(/^(http:\/\/127\.0\.0\.1:)4600\//, `$1${daemonPort}/`),
      );
    expect(simArgs).toContain('--webhook-url');
    const sim = start(dir, {}, simArgs);
    await sim.waitFor(() => /^export /m.test(sim.out.stdout), 'the simulator’s export line');
    const env = exported(sim.out.stdout.split('\n').find((l) => l.startsWith('export ')) as string);
    lap('sim');
    const simUrl = /listening on (\S+)/.exec(sim.out.stdout)?.[1] as string;

    // 3. check --fix creates the fields; plan shows writes; apply writes them
    const check = await inrecord(dir, env, ['check', '--fix']);
    expect(check.stdout, check.stderr).toMatch(/\+ created/);
    expect(check.code, `${check.stdout}\n${check.stderr}`).toBe(0);
    lap('check');
    const plan = await inrecord(dir, env, ['--json', 'plan']);
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { counts: { write: number; rejected: number } };
    expect(planned.counts.write).toBeGreaterThan(0);
    expect(planned.counts.rejected).toBe(0);
    lap('plan');
    // 4. the daemon, before apply: a CRM whose webhooks fail gives up on them (Pipedrive suspends a
    // subscription for 30 minutes after 10 failed deliveries), so it must be up before apply writes.
    // It starts from now: records changed before are not read.
    const daemon = start(dir, env, ['run', '--port', String(daemonPort)]);
    await daemon.waitFor(
      () => /first start, processing changes from/.test(daemon.out.stderr),
      'the first poll',
    );
    lap('daemon start');
    const apply = await inrecord(dir, env, ['--json', 'apply']);
    expect(apply.code, apply.stderr).toBe(0);
    const applied = JSON.parse(apply.stdout) as {
      flows: { flow: string; apply: { runId: string; fields: { written: number; failed: number } } | null }[];
    };
    const run = applied.flows.find((f) => f.flow === 'lead-scoring')?.apply;
    expect(run?.fields.failed).toBe(0);
    lap('apply');
    const applyRun = run?.runId as string;

    // the CRM, read through the config's own connection
    const config = parseConfig(
      readFileSync(join(dir, 'inrecord.yaml'), 'utf8'),
      shellEnv(env) as Record<string, string>,
    );
    const flow = config.flows.find((f) => f.name === 'lead-scoring');
    if (!flow) throw new Error('no lead-scoring flow in the template');
    const object = flow.object as ObjectKind;
    const connector: CrmConnector = await createConnector(config.crm);
    const schema = await connector.describe(object);
    const field = (name: string) => {
      const f = schema.fields.find(
        (x) => x.name === name || x.label.toLowerCase() === name.replace(/_/g, ' ').toLowerCase(),
      );
      if (!f) throw new Error(`${name}: not a ${crm} ${object} field`);
      return f;
    };
    const score = field(flow.outputs.score as string).name;
    const change = CHANGES[crm];
    const feature = field(change.field);
    const read = async (ids: string[]) =>
      new Map((await connector.read(object, ids, [score, feature.name])).map((r) => [r.id, r.fields]));
    const scoreOf = async (id: string) => {
      const v = (await read([id])).get(id)?.[score];
      return v === null || v === undefined || v === '' ? null : Number(v);
    };

    const scored = new Map<string, { score: number; feature: FieldValue }>();
    for await (const page of connector.readChanged(object, null, [score, feature.name]))
      for (const r of page) {
        const s = r.fields[score];
        if (s !== null && s !== undefined && s !== '')
          scored.set(r.id, { score: Number(s), feature: r.fields[feature.name] ?? null });
      }
    expect(scored.size).toBeGreaterThan(2);
    expect(run?.fields.written).toBeGreaterThanOrEqual(scored.size);
    const expectedAfter = (r: { score: number; feature: FieldValue }) => {
      const next = change.newValue(r.feature, feature);
      return r.score - change.points(r.feature, feature) + change.points(next as FieldValue, feature);
    };
    const candidates = [...scored].filter(
      ([, r]) =>
        change.eligible(r.feature, feature) && r.score > 0 && expectedAfter(r) > 0 && expectedAfter(r) < 100,
    );
    expect(candidates.length).toBeGreaterThanOrEqual(2);
    const [x, y] = candidates.map(([id]) => id);
    const z = [...scored.keys()].find((id) => id !== x && id !== y) as string;
    const repEdit = async (id: string) => {
      const res = await fetch(`${simUrl}/_sim/rep-edit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          object: change.simObject,
          id,
          fields: { [feature.name]: change.newValue(scored.get(id)?.feature ?? null, feature) },
        }),
      });
      expect(res.status, await res.text()).toBe(200);
    };

    // a rep's edit arrives as a webhook and is processed
    const before = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { webhooksDelivered: number };
    await repEdit(x);
    const xAfter = await until(
      () => scoreOf(x),
      (v) => v !== null && Math.abs(v - expectedAfter(scored.get(x)!)) <= 1,
      `${crm} ${x}: the score after the rep's edit`,
      60_000,
    );
    const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { webhooksDelivered: number };
    expect(stats.webhooksDelivered).toBeGreaterThan(before.webhooksDelivered);
    // the daemon's line for it (JSON lines: its stderr is not a terminal), logged once the job ends
    const lineFor = () =>
      daemon.out.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { record?: string; source?: string; written?: number; msg: string })
        .find((l) => l.record === x && l.source === 'webhook' && (l.written ?? 0) > 0);
    await daemon.waitFor(() => lineFor() !== undefined, `the daemon's line for ${x}`, 20_000);
    expect(lineFor()?.msg).toMatch(new RegExp(`^${object} ${x} · lead-scoring: wrote `));
    // the other records hold what apply wrote
    expect(await scoreOf(z)).toBe(scored.get(z)?.score);

    lap('webhook');
    // 5. rollback of the apply run, beside the running daemon: its values restored (empty), the
    // field the daemon has since rewritten left as it is
    const rb = await inrecord(dir, env, ['rollback', applyRun, '--yes']);
    expect(rb.code, `${rb.stdout}\n${rb.stderr}`).toBe(0);
    expect(rb.stdout).toMatch(/rollback .*: \d+ restored/);
    expect(await scoreOf(z)).toBeNull();
    expect(await scoreOf(y)).toBeNull();
    expect(await scoreOf(x)).toBe(xAfter);
    lap('rollback');
    // the daemon does not write the rolled-back values again
    await new Promise((r) => setTimeout(r, 3000));
    expect(await scoreOf(z)).toBeNull();

    // 6. restart: the cursor is kept (no first start), an edit made while it was down is found
    expect(await daemon.stop()).toBe(0);
    await repEdit(y);
    lap('stop');
    const again = start(dir, env, ['run', '--port', String(daemonPort)]);
    await until(
      () => scoreOf(y),
      (v) => v !== null && Math.abs(v - expectedAfter(scored.get(y)!)) <= 1,
      `${crm} ${y}: the score after the edit made while the daemon was down`,
      60_000,
    );
    lap('restart');
    expect(again.out.stderr).not.toMatch(/first start/);
    expect(await scoreOf(z)).toBeNull();
    expect(await scoreOf(x)).toBe(xAfter);
    expect(await again.stop()).toBe(0);
    await connector.close();
    await sim.stop();
    console.info(`${crm}: operator path in ${((Date.now() - t0) / 1000).toFixed(1)} s (${laps.join(', ')})`);
  }, 400_000);
});
