import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import {
  type CompanyCandidate,
  type ContactCandidate,
  CrmSnapshot,
  listSnapshot,
  parseSnapshotLines,
  sampleExternalViews,
  validateIdentities,
} from '../../identity/index.js';
import { action, globals } from '../command.js';
import { openCommandStore } from '../context.js';
import { printJson, printLine } from '../output.js';
import { readFileSync } from 'node:fs';

interface IdentitiesOptions {
  sample: number;
  seed: number;
  crm?: string;
  crmContacts?: string;
  crmCompanies?: string;
  show: number;
}

function fileLines<T extends { id: string }>(path: string, what: 'contacts' | 'companies'): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InrecordError(
      'IR_USAGE',
      `cannot read the --crm-${what} file ${path}: ${(err as Error).message}`,
    );
  }
  try {
    return parseSnapshotLines<T>(text, what);
  } catch (err) {
    throw new InrecordError('IR_INPUT_INVALID', `${path}: ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  const validate = program
    .command('validate')
    .description('validation runs: identity resolution over a sample of existing CRM records');

  validate
    .command('identities')
    .description(
      'resolve a random sample of existing CRM records from outside-style fields and report mismatches, ambiguities and misses with reasons; exit 1 when a record resolves to a different one',
    )
    .option('--sample <n>', 'how many records', (v) => Number.parseInt(v, 10), 500)
    .option('--seed <n>', 'the sample’s random seed', (v) => Number.parseInt(v, 10), 1)
    .option(
      '--crm <crm>',
      'live: hubspot | salesforce | pipedrive through the config’s connection (default: the config’s CRM)',
    )
    .option('--crm-contacts <file>', 'offline: CRM contacts JSONL')
    .option('--crm-companies <file>', 'offline: CRM companies JSONL')
    .option('--show <n>', 'findings to print', (v) => Number.parseInt(v, 10), 20)
    .action(
      action(async (opts: IdentitiesOptions, cmd: Command) => {
        let snapshot: CrmSnapshot;
        let source: string;
        if (opts.crmContacts || opts.crmCompanies) {
          snapshot = new CrmSnapshot(
            opts.crmContacts ? fileLines<ContactCandidate>(opts.crmContacts, 'contacts') : [],
            opts.crmCompanies ? fileLines<CompanyCandidate>(opts.crmCompanies, 'companies') : [],
          );
          source = 'files';
        } else {
          const { store, config } = await openCommandStore(cmd);
          try {
            if (!config)
              throw new InrecordError(
                'IR_CONFIG_NOT_FOUND',
                'identity validation against the CRM needs its connection from inrecord.yaml',
                { fix: 'Run `inrecord init`, pass --config, or give --crm-contacts/--crm-companies files.' },
              );
            if (opts.crm && opts.crm !== config.crm.kind)
              throw new InrecordError(
                'IR_USAGE',
                `--crm ${opts.crm} but the config connects to ${config.crm.kind}`,
              );
            const { createConnector } = await import('../../crm/registry.js');
            snapshot = await listSnapshot(
              await createConnector(config.crm, { store, identityAttributes: config.identity.attributes }),
            );
            source = config.crm.kind;
          } finally {
            await store.close();
          }
        }
        const { report } = validateIdentities(
          snapshot,
          sampleExternalViews(snapshot, opts.sample, opts.seed),
        );
        if (globals(cmd).json) return printJson({ source, ...report });
        printLine(
          `identity validation on ${report.sampled} record(s) from ${source}: ${report.matched} resolved to themselves (${(report.matchRate * 100).toFixed(1)}%), ${report.mismatches} mismatch(es), ${report.ambiguous} ambiguous, ${report.misses} miss(es)`,
        );
        for (const f of report.findings.slice(0, opts.show))
          printLine(
            `  ${f.kind.padEnd(9)} ${f.object} ${f.recordId}${f.got ? ` → ${f.got}` : ''}: ${f.reason}`,
          );
        if (report.findings.length > opts.show)
          printLine(`  … ${report.findings.length - opts.show} more (--show, or --json for all)`);
        // a mismatch means a write would land on the wrong record: that is a failed validation
        return report.mismatches > 0 ? 1 : 0;
      }),
    );
}
