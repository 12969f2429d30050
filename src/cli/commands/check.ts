import type { Command } from 'commander';
import { type ConfigCheckReport, checkConfig } from '../../pipeline/index.js';
import { action, globals } from '../command.js';
import { EXIT, printJson, printLine } from '../output.js';
import { openCommandContext } from '../context.js';

export function renderCheck(r: ConfigCheckReport, fix: boolean): void {
  for (const c of r.created) printLine(`+ created ${c.object}.${c.field.name} (${c.field.type}${c.field.label !== c.field.name ? `, label "${c.field.label}"` : ''})`);
  for (const n of r.notCreated) printLine(`✖ could not create ${n.object}.${n.spec.name}: ${n.message} (${n.code})`);
  for (const p of r.problems) {
    // a flow's setting: the message names the flow and the setting
    const where = p.config !== undefined ? `${p.config}: ` : p.setting !== undefined ? '' : `${p.object}.${p.field}: `;
    printLine(`${p.severity === 'error' ? '✖' : '!'} ${where}${p.message} (${p.code})`);
    printLine(`  → ${p.fix}`);
  }
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  const warnings = r.problems.length - errors;
  if (errors === 0) printLine(`✔ flows and mapping fit the CRM schema${warnings ? ` (${warnings} warning(s))` : ''}`);
  else {
    printLine(`${errors} problem(s)${warnings ? `, ${warnings} warning(s)` : ''}`);
    if (!fix && r.problems.some((p) => p.create)) printLine('  some fields can be created: inrecord check --fix');
  }
  if (fix && r.created.length === 0 && r.notCreated.length === 0) printLine('nothing to create');
}

export function register(program: Command): void {
  program
    .command('check')
    .description('validate the config against the live CRM schema: each flow\'s settings, fields exist and are writable, types and every value a flow writes fit (picklist options, labelMap), no output maps to a rep-owned field')
    .option('--fix', 'create missing custom fields and stamp fields where the CRM allows, of the types the flows write (picklists with their options), and print what was created')
    .action(
      action(async (opts: { fix?: boolean }, cmd: Command) => {
        const json = Boolean(globals(cmd).json);
        const wb = await openCommandContext(cmd);
        try {
          const report = await checkConfig(wb.connector, wb.config, { fix: opts.fix });
          if (json) printJson(report);
          else renderCheck(report, Boolean(opts.fix));
          return report.ok && report.notCreated.length === 0 ? EXIT.ok : EXIT.failed;
        } finally {
          await wb.close();
        }
      }),
    );
}
