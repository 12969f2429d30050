/**
 * The allowed import directions, checked on every test run:
 *   cli / server → engine modules → crm interface → store
 * - CRM-specific code lives only in src/crm/<crm>/ and src/simulators/<crm>/; the engine reaches a
 *   connector through src/crm/types.ts and the registry, never a CRM folder directly.
 * - engine modules never import cli/ or server/; store/ and errors/ import no engine module.
 * - each source file stays under 520 lines, but for a short list of named exceptions.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRM_NAMES } from '../src/crm/names.js';

const SRC = resolve('src');
const CRMS: readonly string[] = CRM_NAMES;
/** What every CRM folder holds, one file per role (ARCHITECTURE.md, "The shape of a CRM folder"). */
const CRM_ROLE_FILES = ['card.ts', 'example.ts', 'client.ts', 'schema.ts', 'records.ts', 'search.ts', 'history.ts', 'activities.ts', 'webhooks.ts', 'codec.ts', 'connector.ts', 'index.ts'];
/** Folders of src/crm/ shared by every CRM. */
const CRM_SHARED = ['runtime', 'testing'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
  )) {
    const spec = m[1] ?? m[2];
    out.push(relative(SRC, resolve(dirname(file), spec)));
  }
  return out;
}

const top = (rel: string) => rel.split('/')[0];

describe('architecture', () => {
  const all = files(SRC).map((f) => ({ file: relative(SRC, f), imports: imports(f) }));

  it('imports a package subpath by a file Node resolves as an ES module (the built CLI runs in plain Node)', () => {
    // a package without an `exports` map resolves `pkg/dir` only under a bundler or tsx; Node's ES
    // module loader refuses a directory import, so `npx inrecord` would fail where the tests pass
    const bad: string[] = [];
    for (const f of files(SRC).filter((x) => !x.endsWith('.test.ts'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^.'"][^'"]*)['"]|import\(\s*['"]([^.'"][^'"]*)['"]\s*\)/g)) {
        const spec = (m[1] ?? m[2]) as string;
        if (spec.startsWith('node:')) continue;
        const parts = spec.split('/');
        const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
        const sub = spec.slice(pkg.length + 1);
        if (!sub) continue;
        const manifest = JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')) as { exports?: unknown };
        if (!manifest.exports && !/\.(m?js|cjs|json)$/.test(sub)) bad.push(`${relative(SRC, f)} → ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps CRM-specific code behind the connector interface', () => {
    const bad: string[] = [];
    for (const { file, imports: deps } of all) {
      for (const dep of deps) {
        const [mod, crm] = dep.split('/');
        if ((mod === 'crm' || mod === 'simulators') && CRMS.includes(crm)) {
          const [fmod, fcrm] = file.split('/');
          const inside = fcrm === crm && (fmod === 'crm' || fmod === 'simulators');
          const registry =
            file === 'crm/registry.ts' ||
            file === 'simulators/index.ts' ||
            file.startsWith('simulators/testing');
          // connectors' own tests and simulators' conformance suites may pair a connector with its simulator
          const pairTest = file.endsWith('.test.ts') && fcrm === crm;
          if (!inside && !registry && !pairTest && !file.startsWith('crm/testing'))
            bad.push(`${file} → ${dep}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('gives every CRM folder the same role files, and a folder only to a CRM in the list', () => {
    const dirs = readdirSync(join(SRC, 'crm')).filter((n) => statSync(join(SRC, 'crm', n)).isDirectory() && !CRM_SHARED.includes(n));
    expect([...dirs].sort()).toEqual([...CRMS].sort());
    const missing = CRMS.flatMap((crm) => CRM_ROLE_FILES.filter((f) => !existsSync(join(SRC, 'crm', crm, f))).map((f) => `crm/${crm}/${f}`));
    expect(missing).toEqual([]);
    // a file for what only one CRM has (Salesforce's Bulk API) serves one of its role files
    const loose: string[] = [];
    for (const crm of CRMS) {
      const dir = join(SRC, 'crm', crm);
      const used = new Set(CRM_ROLE_FILES.flatMap((f) => imports(join(dir, f))));
      const extras = readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && !CRM_ROLE_FILES.includes(n));
      for (const f of extras) if (!used.has(`crm/${crm}/${f.replace(/\.ts$/, '.js')}`)) loose.push(`crm/${crm}/${f}`);
    }
    expect(loose).toEqual([]);
    // each connector is its parts composed the one way
    const composed = CRMS.filter((crm) => !imports(join(SRC, 'crm', crm, 'connector.ts')).includes('crm/compose.js'));
    expect(composed).toEqual([]);
  });

  it('never lets an engine module import the CLI, the daemon, the demo or the server', () => {
    const roots = ['cli', 'daemon', 'demo'];
    const bad = all
      .filter(({ file }) => ![...roots, 'server'].includes(top(file)) && !file.endsWith('.test.ts'))
      .flatMap(({ file, imports: deps }) =>
        deps.filter((d) => [...roots, 'server'].includes(top(d))).map((d) => `${file} → ${d}`),
      );
    expect(bad).toEqual([]);
    // the server serves; the daemon and the CLI start it, never the reverse
    const up = all
      .filter(({ file }) => top(file) === 'server' && !file.endsWith('.test.ts'))
      .flatMap(({ file, imports: deps }) =>
        deps.filter((d) => roots.includes(top(d))).map((d) => `${file} → ${d}`),
      );
    expect(up).toEqual([]);
  });

  it('composes a flow run only in pipeline/', () => {
    // the steps of a run, each owned by its module; only the pipeline chains them
    const steps = /\b(createFlowProcessor|applyRun|planRun|gateOutputs)\b/;
    const owners = ['pipeline', 'flows', 'writeback', 'gate'];
    const bad = files(SRC)
      .map((f) => ({ file: relative(SRC, f), text: readFileSync(f, 'utf8') }))
      .filter(({ file }) => !owners.includes(top(file)) && !file.endsWith('.test.ts'))
      .filter(({ text }) =>
        [...text.matchAll(/import[^;]*?from\s+['"][^'"]+['"]/gs)].some((m) => steps.test(m[0])),
      )
      .map(({ file }) => file);
    expect(bad).toEqual([]);
  });

  it('keeps store/ and errors/ at the bottom', () => {
    const bad = all
      .filter(({ file }) => ['store', 'errors'].includes(top(file)))
      .flatMap(({ file, imports: deps }) =>
        deps.filter((d) => !['store', 'errors'].includes(top(d))).map((d) => `${file} → ${d}`),
      );
    expect(bad).toEqual([]);
  });

  it('lets only the owner of a table touch it', () => {
    // every table inrecord creates (src/store/migrations) and the one module whose code may name it
    const OWNER: Record<string, string> = {
      runs: 'writeback',
      write_ledger: 'writeback',
      identity_links: 'identity',
      review_items: 'review',
      cursors: 'triggers',
      webhook_receipts: 'triggers',
      record_versions: 'triggers',
      future_versions: 'triggers',
      metrics: 'store',
      effects: 'store',
      dead_letters: 'jobs',
      action_log: 'actions',
      assignment_state: 'actions',
      rule_state: 'actions',
      flow_models: 'flows',
      signal_activities: 'signals',
      signal_usage_events: 'signals',
      signal_deal_risk: 'signals',
      shadow_outputs: 'gate',
      gate_samples: 'gate',
      gate_decisions: 'gate',
      monitor_alerts: 'monitor',
      monitor_reports: 'monitor',
      oauth_tokens: 'crm',
      rate_budgets: 'crm',
      rate_slots: 'crm',
      daily_allocations: 'crm',
    };
    const created = readdirSync(join(SRC, 'store/migrations')).flatMap((f) =>
      [
        ...readFileSync(join(SRC, 'store/migrations', f), 'utf8').matchAll(
          /CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)/g,
        ),
      ].map((m) => m[1]),
    );
    expect(created.filter((t) => !OWNER[t])).toEqual([]);
    const bad: string[] = [];
    for (const f of files(SRC).filter(
      (x) => !x.endsWith('.test.ts') && !x.includes('/testing/') && !x.includes('/migrations/'),
    )) {
      const file = relative(SRC, f);
      const text = readFileSync(f, 'utf8');
      for (const [table, owner] of Object.entries(OWNER)) {
        if (top(file) !== owner && new RegExp(`\\b(FROM|INTO|UPDATE|JOIN|TABLE)\\s+"?${table}\\b`).test(text))
          bad.push(`${file} → ${table} (owned by ${owner}/)`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps each source file under 520 lines, but for a short list of named exceptions', () => {
    const LIMIT = 520;
    // file → why it may be longer; an entry leaves the list once its file is under the limit
    const LONG: Record<string, string> = {};
    const lines = (f: string) => readFileSync(f, 'utf8').replace(/\n$/, '').split('\n').length;
    const sizes = new Map(
      files(SRC)
        .filter((f) => !f.endsWith('.test.ts'))
        .map((f) => [relative(SRC, f), lines(f)] as const),
    );
    const long = [...sizes]
      .filter(([file, n]) => n > LIMIT && !(file in LONG))
      .map(([file, n]) => `${file}: ${n} lines (split it by role)`);
    expect(long).toEqual([]);
    const stale = Object.keys(LONG)
      .filter((file) => (sizes.get(file) ?? 0) <= LIMIT)
      .map((file) => `${file}: ${sizes.get(file) ?? 'gone'} (take it off the list)`);
    expect(stale).toEqual([]);
  });
});

/**
 * Every simulator folder has the same shape: the same files by role (ARCHITECTURE.md, "Simulator
 * folders"), so a reader who knows one CRM's simulator finds everything in the others. (Their size
 * is held by the source-file limit above.)
 */
describe('simulator folders', () => {
  const SIM = join(SRC, 'simulators');
  /** The role files every `src/simulators/<crm>/` holds. */
  const ROLE_FILES = [
    'index.ts',
    'entry.ts',
    'state.ts',
    'seed.ts',
    'schema.ts',
    'routes.ts',
    'routes',
    'ratelimit.ts',
    'oauth.ts',
    'webhooks.ts',
    'page.ts',
    'spec/index.ts',
    'spec/suite.ts',
  ];

  it('gives every CRM its simulator folder with the role files', () => {
    const missing = CRMS.flatMap((crm) =>
      ROLE_FILES.filter((f) => {
        try {
          statSync(join(SIM, crm, f));
          return false;
        } catch {
          return true;
        }
      }).map((f) => `${crm}/${f}`),
    );
    expect(missing).toEqual([]);
  });
});
