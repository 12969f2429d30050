import type { Command } from 'commander';
import { InrecordError } from '../../errors/index.js';
import type { ImportItemResult, ParseProblem } from '../../signals/index.js';
import { action, globals } from '../command.js';
import { openCommandStore } from '../context.js';
import { EXIT, printJson, printLine, progressBar } from '../output.js';

interface ImportOptions {
  crm?: string;
  ownDomain: string[];
  bodies?: boolean;
  batch: number;
  query?: string;
  databaseUrl?: string;
  source?: string;
  allowRejects?: boolean;
}

const KINDS = ['emails', 'calendar', 'usage'] as const;

const collect = (v: string, acc: string[]) => [...acc, ...v.split(',').map((x) => x.trim()).filter(Boolean)];

export function register(program: Command): void {
  program
    .command('import')
    .description(
      'bring emails, calendar events (as native activities on the matched contact) or product-usage data (as typed, stamped properties) into the right CRM records',
    )
    .argument('<kind>', 'emails | calendar | usage')
    .argument(
      '<source>',
      'emails: an .eml / .mbox file or a folder of them; calendar: an .ics file or folder; both: a .jsonl feed; usage: a .csv / .jsonl file, or a postgres:// URL with --query',
    )
    .option('--crm <crm>', 'the CRM to write to (must be the config’s connection): hubspot | salesforce | pipedrive')
    .option('--own-domain <domain>', 'the team’s own email domain (repeatable; added to identity.ownDomains)', collect, [])
    .option('--bodies', 'store email / meeting bodies (default: the config’s signals.storeBodies)')
    .option('--no-bodies', 'store only metadata: subject, time, participants')
    .option('--batch <n>', 'items resolved per identity batch', (v) => Number.parseInt(v, 10), 200)
    .option('--query <sql>', 'usage from Postgres: the SELECT over the table or view (columns as in a usage file)')
    .option('--source <name>', 'usage: the name of this source (cursor and dedupe key; default: the file or URL)')
    .option('--allow-rejects', 'exit 0 even when items were unreadable or cut short (they are still listed)')
    .action(
      action(async (kind: string, source: string, opts: ImportOptions, cmd: Command) => {
        if (!(KINDS as readonly string[]).includes(kind))
          throw new InrecordError('IR_USAGE', `inrecord import ${kind}: unknown kind`, {
            fix: 'Use `inrecord import emails|calendar|usage <source>`.',
          });
        const json = Boolean(globals(cmd).json);
        const { store, config } = await openCommandStore(cmd);
        try {
          if (!config)
            throw new InrecordError('IR_CONFIG_NOT_FOUND', `inrecord import ${kind} needs the CRM connection from inrecord.yaml`, {
              fix: 'Run `inrecord init` or pass --config.',
            });
          if (opts.crm && opts.crm !== config.crm.kind)
            throw new InrecordError('IR_USAGE', `--crm ${opts.crm} but the config connects to ${config.crm.kind}`, {
              fix: `Use --crm ${config.crm.kind} or another config.`,
            });
          const { createConnector } = await import('../../crm/registry.js');
          const connector = await createConnector(config.crm, {
            store,
            identityAttributes: config.identity.attributes,
          });
          try {
            if (kind === 'usage') {
              const { importUsage } = await import('../../signals/index.js');
              const bar = progressBar('usage');
              const summary = await importUsage(store, connector, config, {
                source: opts.query ? { kind: 'postgres', url: source, query: opts.query } : { kind: 'file', path: source },
                name: opts.source,
                onProgress: (d, t) => bar.update(d, t),
              });
              bar.end();
              for (const p of summary.problems) process.stderr.write(`✖ ${p.origin}: ${p.message}\n`);
              if (json) printJson(summary);
              else
                printLine(
                  `usage: ${summary.mode === 'snapshots' ? `${summary.snapshots} snapshot(s)` : `${summary.events} new event(s)`} from ${summary.source}; ${summary.contacts} contact(s) and ${summary.companies} company(ies) ${summary.mode === 'snapshots' ? 'updated' : 'aggregated'}; ${summary.written} field(s) written, ${summary.unchanged} unchanged, ${summary.unmatched} key(s) unmatched → review, ${summary.failed} failed`,
                );
              if (summary.invalid > 0 && !opts.allowRejects && !json)
                process.stderr.write(`✖ ${summary.invalid} row(s) could not be used (listed above): fix the rows and import again, or pass --allow-rejects\n`);
              return summary.failed > 0 || (summary.invalid > 0 && !opts.allowRejects) ? EXIT.failed : EXIT.ok;
            }
            const { importActivities, readActivityStream } = await import('../../signals/index.js');
            // the source is streamed: problems are printed as they are met, results are not kept
            // (only failures, to list them at the end), and progress is bytes read of the files
            const problems: ParseProblem[] = [];
            let rejected = 0;
            let skipped = 0;
            const bar = progressBar(kind);
            const items = readActivityStream(kind as 'emails' | 'calendar', source, {
              onProblem: (p) => {
                process.stderr.write(`✖ ${p.origin}: ${p.message}\n`);
                if (p.skipped) skipped++;
                else rejected++;
                if (json) problems.push(p);
              },
              onProgress: (d, t) => bar.update(d, t),
            });
            const failures: ImportItemResult[] = [];
            const { summary } = await importActivities(store, connector, items, {
              crm: config.crm.kind,
              ownDomains: [...config.identity.ownDomains, ...opts.ownDomain],
              storeBodies: opts.bodies ?? config.signals.storeBodies,
              source,
              batchSize: opts.batch,
              onResult: (r) => {
                if (r.outcome.status === 'failed' || r.outcome.status === 'uncertain') failures.push(r);
              },
            });
            bar.end();
            summary.invalid = rejected;
            for (const f of failures) process.stderr.write(`✖ ${f.origin}: ${'reason' in f.outcome ? f.outcome.reason : f.outcome.status}\n`);
            if (json) printJson({ ...summary, skipped, problems, failures });
            else
              printLine(
                `${kind}: ${summary.total} item(s) — ${summary.imported} imported, ${summary.skippedOwnDomain} skipped (own domain), ${summary.duplicates} duplicate(s), ${summary.unmatched} unmatched → review (${summary.reviewItems} open item(s)), ${summary.uncertain} uncertain → review, ${summary.failed} failed, ${summary.invalid} unreadable; ${summary.crmCalls} CRM call(s)`,
              );
            if (rejected > 0 && !opts.allowRejects && !json)
              process.stderr.write(`✖ ${rejected} item(s) could not be read (listed above): fix or complete the files and import again, or pass --allow-rejects\n`);
            return summary.failed > 0 || (rejected > 0 && !opts.allowRejects) ? EXIT.failed : EXIT.ok;
          } finally {
            await connector.close();
          }
        } finally {
          await store.close();
        }
      }),
    );
}
