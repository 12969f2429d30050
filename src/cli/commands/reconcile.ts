import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CRM_NAMES, isCrmName } from '../../crm/names.js';
import { InrecordError } from '../../errors/index.js';
import {
  type CompanyCandidate,
  type ContactCandidate,
  CrmSnapshot,
  type IdentityResult,
  fetchCandidates,
  parseInputLines,
  parseSnapshotLines,
  reconcile,
  resolveWithMap,
  resultLine,
  summarise,
  trainModel,
  trainedScoring,
} from '../../identity/index.js';
import { action, globals } from '../command.js';
import { openCommandStore } from '../context.js';
import { printJson } from '../output.js';

interface ReconcileOptions {
  crmContacts?: string;
  crmCompanies?: string;
  crm?: string;
  input: string;
  out: string;
  batch: number;
  train?: boolean;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InrecordError('IR_USAGE', `cannot read the ${what} file ${path}: ${(err as Error).message}`, {
      fix: `Check the path given to the ${what} option.`,
    });
  }
}

function readSnapshot<T extends { id: string }>(path: string, what: 'contacts' | 'companies'): T[] {
  try {
    return parseSnapshotLines<T>(readText(path, `--crm-${what}`), what);
  } catch (err) {
    if (err instanceof InrecordError) throw err;
    throw new InrecordError('IR_INPUT_INVALID', `${path}: ${(err as Error).message}`, {
      fix: `Every line of --crm-${what} must be a JSON object with an "id".`,
    });
  }
}

export function register(program: Command): void {
  program
    .command('reconcile')
    .description(
      'resolve every input line to exactly one CRM record id (matched), several (ambiguous) or none (unmatched), with the reason',
    )
    .requiredOption(
      '--input <file>',
      'JSONL: {"key","type":"contact"|"company","email"?,"first_name"?,"last_name"?,"full_name"?,"company_name"?,"company_domain"?,"phone"?,"name"?,"domain"?,"website"?,"birth_date"?,"postcode"?,"address"?,"city"?,"linkedin_url"?,"external_id"?}',
    )
    .requiredOption(
      '--out <file>',
      'JSONL result, one line per input: {"key","status","id","candidates","confidence","reason"}',
    )
    .option(
      '--crm-contacts <file>',
      'offline: the CRM contacts, JSONL {"id","email","additional_emails","first_name","last_name","company_id","company_name","phone","birth_date"?,"postcode"?,"address"?,"city"?,"linkedin_url"?,"external_id"?}',
    )
    .option(
      '--crm-companies <file>',
      'offline: the CRM companies, JSONL {"id","name","domain","additional_domains"}',
    )
    .option(
      '--crm <crm>',
      `live: ${CRM_NAMES.join(' | ')}, through the config’s connection; links and review items are stored`,
    )
    .option('--batch <n>', 'live: values per lookup call', (v) => Number.parseInt(v, 10), 100)
    .option(
      '--train',
      'offline: estimate the match weights from this CRM export and these inputs (no labels needed) before deciding',
    )
    .action(
      action(async (opts: ReconcileOptions, cmd: Command) => {
        const live = opts.crm !== undefined;
        if (live && (opts.crmContacts || opts.crmCompanies))
          throw new InrecordError(
            'IR_USAGE',
            'give either --crm (live) or --crm-contacts/--crm-companies (offline), not both',
          );
        if (!live && !opts.crmContacts && !opts.crmCompanies)
          throw new InrecordError('IR_USAGE', 'nothing to reconcile against', {
            fix: `Pass --crm-contacts and --crm-companies (offline) or --crm ${CRM_NAMES.join('|')} (live).`,
          });
        if (live && opts.train)
          throw new InrecordError('IR_USAGE', '--train needs the whole CRM, and live mode fetches only candidates', {
            fix: 'Export the CRM and run offline with --crm-contacts, --crm-companies and --train.',
          });
        if (live && !isCrmName(opts.crm as string))
          throw new InrecordError('IR_USAGE', `--crm ${opts.crm} is not a CRM inrecord knows`, {
            fix: `Use ${CRM_NAMES.join(', ')}.`,
          });

        const { inputs, rejected, problems } = parseInputLines(readText(opts.input, '--input'));
        const json = Boolean(globals(cmd).json);
        for (const p of problems)
          process.stderr.write(
            `✖ ${opts.input} line ${p.line}${p.key ? ` (key ${p.key})` : ''}: ${p.message} — written as unmatched\n`,
          );

        let results: IdentityResult[];
        let calls: number | undefined;
        if (!live) {
          const contacts = opts.crmContacts
            ? readSnapshot<ContactCandidate>(opts.crmContacts, 'contacts')
            : [];
          const companies = opts.crmCompanies
            ? readSnapshot<CompanyCandidate>(opts.crmCompanies, 'companies')
            : [];
          const snapshot = new CrmSnapshot(contacts, companies);
          const scoring = opts.train ? trainedScoring(trainModel(inputs, snapshot)) : undefined;
          results = reconcile(inputs, snapshot, { scoring });
        } else {
          const { store, config } = await openCommandStore(cmd);
          try {
            if (!config)
              throw new InrecordError(
                'IR_CONFIG_NOT_FOUND',
                `live reconciliation with ${opts.crm} needs the CRM connection from inrecord.yaml`,
                { fix: 'Run `inrecord init` or pass --config.' },
              );
            if (config.crm.kind !== opts.crm)
              throw new InrecordError(
                'IR_USAGE',
                `--crm ${opts.crm} but the config connects to ${config.crm.kind}`,
                { fix: `Use --crm ${config.crm.kind} or another config.` },
              );
            const { createConnector } = await import('../../crm/registry.js');
            const connector = await createConnector(config.crm, {
              store,
              identityAttributes: config.identity.attributes,
            });
            const fetched = await fetchCandidates(connector, inputs, { batchSize: opts.batch });
            calls = fetched.calls;
            results = await resolveWithMap(store, {
              crm: config.crm.kind,
              inputs,
              snapshot: fetched.snapshot,
              complete: false,
            });
          } finally {
            await store.close();
          }
        }
        const all = [...results, ...rejected];
        writeFileSync(
          opts.out,
          all.map((r) => JSON.stringify(resultLine(r))).join('\n') + (all.length ? '\n' : ''),
        );
        const summary = {
          ...summarise(all, rejected.length),
          out: opts.out,
          ...(calls !== undefined
            ? { crmCalls: calls, callsPerRecord: inputs.length ? calls / inputs.length : 0 }
            : {}),
        };
        if (json) printJson(summary);
        else
          process.stderr.write(
            `reconciled ${summary.total} input(s): ${summary.matched} matched, ${summary.ambiguous} ambiguous, ${summary.unmatched} unmatched${rejected.length ? ` (${rejected.length} malformed line(s))` : ''}${calls !== undefined ? `; ${calls} CRM lookup call(s)` : ''} → ${opts.out}\n`,
          );
      }),
    );
}
