/**
 * `inrecord docs` on the config `inrecord init` writes, against each CRM's simulator after
 * `check --fix`: every field the handover document names — in its field table and in what the AI
 * reads — is a field of that CRM object, named by its API name with the label the CRM shows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inProcessCli } from './in-process.js';
import * as checkCmd from '../../src/cli/commands/check.js';
import * as docsCmd from '../../src/cli/commands/docs.js';
import { SIMULATOR_TRIAL, exampleConfig, parseConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmName, ObjectKind, ObjectSchema } from '../../src/crm/types.js';
import { startSimulator } from '../../src/simulators/index.js';

/** The command modules in this process: stdout captured, the exit code from process.exitCode. */
const inrecord = inProcessCli([checkCmd, docsCmd]);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every `name` (label) the document gives a field: the table rows and the list of what the AI reads. */
function namedFields(md: string): { object: string; name: string; label: string | null }[] {
  const out: { object: string; name: string; label: string | null }[] = [];
  let object = '';
  for (const line of md.split('\n')) {
    const section = /^### (\w+) \(/.exec(line);
    if (section) object = section[1];
    const row = /^\| `([^`]+)` \| ([^|]*) \|/.exec(line);
    if (row && object)
      out.push({
        object,
        name: row[1],
        label: row[2].trim() === '—' ? null : row[2].trim().replace(/\\\|/g, '|'),
      });
    const reads = /^- \*\*[^*]+\*\* \((\w+)\): (.*)\.$/.exec(line);
    if (reads)
      for (const m of reads[2].matchAll(/`([^`]+)`(?: \(([^)]*)\))?/g))
        out.push({ object: reads[1], name: m[1], label: m[2] ?? null });
  }
  return out;
}

describe.each(['hubspot', 'salesforce', 'pipedrive'] as CrmName[])(
  'inrecord docs on the %s init config',
  (crm) => {
    it('names only fields the CRM has, by API name and the CRM’s label', async () => {
      const dir = mkdtempSync(join(tmpdir(), `inrecord-docs-${crm}-`));
      dirs.push(dir);
      const file = join(dir, 'inrecord.yaml');
      writeFileSync(file, exampleConfig(crm));
      const t = SIMULATOR_TRIAL[crm];
      const sim = await startSimulator(crm, { token: t.token, port: 0, records: 20 });
      try {
        const env = { [t.urlVar]: sim.url, [t.tokenVar]: t.token, DATABASE_URL: '' };
        const g = ['--config', file, '--data-dir', join(dir, 'data')];
        expect((await inrecord(env, ...g, 'check', '--fix')).code).toBe(0);
        const docs = await inrecord(env, ...g, '--json', 'docs');
        expect(docs.code).toBe(0);
        const { markdown, schemaRead } = JSON.parse(docs.stdout) as { markdown: string; schemaRead: boolean };
        expect(schemaRead).toBe(true);
        expect(markdown).not.toMatch(/does not exist/);

        const config = parseConfig(exampleConfig(crm), { ...process.env, ...env });
        const connector = await createConnector(config.crm);
        const schemas = new Map<string, ObjectSchema>();
        for (const o of new Set([...Object.keys(config.objects), ...config.flows.map((f) => f.object)]))
          schemas.set(o, await connector.describe(o as ObjectKind));
        await connector.close();

        const named = namedFields(markdown);
        // the field table and the reads list of each flow, at least the score and one feature
        expect(named.length).toBeGreaterThan(5);
        for (const n of named) {
          const field = schemas.get(n.object)?.fields.find((f) => f.name === n.name);
          expect(field, `${n.object}.${n.name} named by the document`).toBeDefined();
          if (n.label !== null) expect(n.label, `${n.object}.${n.name}`).toBe(field?.label);
        }
      } finally {
        await sim.close();
      }
    }, 180_000);
  },
);
