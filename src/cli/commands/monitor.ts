import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { type InrecordConfig, durationMs, loadConfig } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import {
  acknowledgeAlert,
  listAlerts,
  renderReport,
  runMonitor,
  runMonitorIfDue,
} from '../../monitor/index.js';
import { action, globals } from '../command.js';
import { openCommandContext } from '../context.js';
import { printJson, printLine } from '../output.js';

/** The person acting: --by, else the OS user. */
export function actor(by?: string): string {
  if (by) return by;
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

function collect(value: string, prev: string[] = []): string[] {
  return [...prev, value];
}

/** `flow=value` pairs of a repeated option. */
function pairs(list: string[] | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new InrecordError('IR_USAGE', `${option} expects <flow>=<value>, got "${item}"`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** A training distribution file: a JSON array of numbers, or an object with a `scores` array. */
function readReference(flow: string, path: string): number[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InrecordError(
      'IR_USAGE',
      `--reference ${flow}=${path}: cannot read a JSON file (${(err as Error).message})`,
    );
  }
  const arr = Array.isArray(doc) ? doc : (doc as { scores?: unknown })?.scores;
  if (
    !Array.isArray(arr) ||
    arr.length === 0 ||
    !arr.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new InrecordError(
      'IR_MONITOR_NO_REFERENCE',
      `--reference ${flow}=${path}: expected a non-empty JSON array of numbers (or { "scores": [...] })`,
    );
  }
  return arr as number[];
}

interface MonitorOptions {
  flow?: string[];
  reference?: string[];
  modelVersion?: string[];
  window?: string;
  notify: boolean;
  scheduled?: boolean;
}

export function register(program: Command): void {
  const monitor = program
    .command('monitor')
    .description(
      'monitoring report: score drift vs training (PSI, KS), write health, identity and dead letters; raises alerts (exit 1 when an alert fires)',
    )
    .option('--flow <name>', 'only this flow (repeatable)', collect)
    .option(
      '--reference <flow=file.json>',
      "a flow's training score distribution, JSON array of numbers (repeatable; default: the one stored with the trained model)",
      collect,
    )
    .option(
      '--model-version <flow=version>',
      'model version to judge (default: the latest seen in the store)',
      collect,
    )
    .option('--window <duration>', 'window to measure, e.g. 7d, 24h (default: monitor.schedule)')
    .option('--no-notify', 'record alerts but do not send them to monitor.alertWebhook')
    .option('--scheduled', 'run only if a scheduled run is due (for cron); prints nothing otherwise')
    .action(
      action(async (opts: MonitorOptions, cmd: Command) => {
        const g = globals(cmd);
        const { config, store } = await openCommandContext(cmd, { connector: false });
        try {
          const references = Object.fromEntries(
            Object.entries(pairs(opts.reference, '--reference')).map(([f, p]) => [f, readReference(f, p)]),
          );
          const unknown = [...(opts.flow ?? []), ...Object.keys(references)].filter(
            (f) => !config.flows.some((c) => c.name === f),
          );
          if (unknown.length > 0)
            throw new InrecordError('IR_USAGE', `no flow named ${unknown.join(', ')} in the config`, {
              fix: `Flows: ${config.flows.map((f) => f.name).join(', ') || '(none)'}`,
            });
          const runOpts = {
            flows: opts.flow,
            references,
            modelVersions: pairs(opts.modelVersion, '--model-version'),
            windowMs: opts.window ? parseWindow(opts.window) : undefined,
            notify: opts.notify,
            by: actor(),
          };
          const report = opts.scheduled
            ? await runMonitorIfDue(store, config, runOpts)
            : await runMonitor(store, config, runOpts);
          if (!report) {
            if (g.json) printJson({ ok: true, due: false });
            return;
          }
          if (g.json) printJson(report);
          else printLine(renderReport(report));
          return report.alerts.some((a) => a.severity === 'alert') ? 1 : 0;
        } finally {
          await store.close();
        }
      }),
    );

  monitor
    .command('alerts')
    .description('alerts recorded by monitoring runs, newest first')
    .option('--open', 'only alerts nobody acknowledged')
    .option('--limit <n>', 'how many', '50')
    .action(
      action(async (opts: { open?: boolean; limit: string }, cmd: Command) => {
        const { store } = await openCommandContext(cmd, { connector: false });
        try {
          const alerts = await listAlerts(store, { open: opts.open, limit: Number(opts.limit) });
          if (globals(cmd).json) return void printJson(alerts);
          if (alerts.length === 0) return void printLine('No alerts.');
          for (const a of alerts) {
            const ack = a.acknowledged_at ? `  (acknowledged by ${a.acknowledged_by})` : '';
            printLine(
              `#${a.id}  ${new Date(a.created_at).toISOString().slice(0, 16).replace('T', ' ')}  ${a.severity.toUpperCase().padEnd(5)}  ${a.message}  [${a.delivery}]${ack}`,
            );
          }
        } finally {
          await store.close();
        }
      }),
    );

  monitor
    .command('ack <id>')
    .description('acknowledge an alert')
    .option('--by <name>', 'who acknowledges (default: the OS user)')
    .action(
      action(async (id: string, opts: { by?: string }, cmd: Command) => {
        const { store } = await openCommandContext(cmd, { connector: false });
        try {
          const a = await acknowledgeAlert(store, parseId(id, 'alert'), actor(opts.by));
          if (globals(cmd).json) printJson(a);
          else printLine(`Alert #${a.id} acknowledged by ${a.acknowledged_by}.`);
        } finally {
          await store.close();
        }
      }),
    );
}

function parseWindow(w: string): number {
  try {
    return durationMs(w);
  } catch {
    throw new InrecordError('IR_USAGE', `--window ${w} is not a duration`, {
      fix: 'Use a duration like 7d, 24h or 30m.',
    });
  }
}

export function parseId(id: string, what: string): number {
  const n = Number(id.replace(/^[a-z]+/i, ''));
  if (!Number.isInteger(n) || n <= 0)
    throw new InrecordError('IR_USAGE', `${what} id must be a positive integer, got "${id}"`);
  return n;
}
