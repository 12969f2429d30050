import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FlowConfig, InrecordConfig } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import {
  type Sample,
  type WantedLabel,
  decisionHistory,
  drawSample,
  gateStatus,
  getSample,
  labelSamples,
  labelsToOpen,
  latestModelVersion,
  listSamples,
  parseLabelLines,
  sampleIds,
  verdictOf,
} from '../../gate/index.js';

export { parseLabelLines, sampleIds } from '../../gate/index.js';
import { reviewResolvers } from '../../pipeline/index.js';
import { type ReviewDecision, type ReviewItem, type ReviewKind, getReviewItem, listReviewItems, resolveReviewItem } from '../../review/index.js';
import type { Store } from '../../store/index.js';
import { action, globals } from '../command.js';
import { printJson, printLine } from '../output.js';
import { openCommandContext } from '../context.js';
import { actor, parseId } from './monitor.js';

const KINDS = ['identity', 'conflict', 'validation'];

/** `review label s1 s4-s9 correct`: every sample spec, then the verdict last. */
export function labelsFromArgs(args: string[], note?: string): WantedLabel[] {
  if (args.length < 2)
    throw new InrecordError('IR_USAGE', 'review label needs one or more samples and a label', {
      fix: 'Write `inrecord review label s12 correct`, `inrecord review label s1-s100 correct`, or use --from-file.',
    });
  const label = verdictOf(args[args.length - 1], 'review label');
  const ids = [...new Set(args.slice(0, -1).flatMap(sampleIds))];
  return ids.map((sampleId) => ({ sampleId, label, ...(note ? { note } : {}) }));
}

function labelsFromFile(path: string, args: string[]): WantedLabel[] {
  if (args.length > 0)
    throw new InrecordError('IR_USAGE', 'review label takes samples on the command line or --from-file, not both', { fix: 'Drop one of them.' });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InrecordError('IR_USAGE', `cannot read ${path}: ${(err as Error).message}`, { fix: 'Pass an existing file of "s12 correct" lines.' });
  }
  return parseLabelLines(text, path);
}

function flowOf(config: InrecordConfig, name: string): FlowConfig {
  const flow = config.flows.find((f) => f.name === name);
  if (!flow)
    throw new InrecordError('IR_USAGE', `no flow named ${name} in the config`, {
      fix: `Flows: ${config.flows.map((f) => f.name).join(', ') || '(none)'}`,
    });
  return flow;
}

async function versionOf(store: Store, flow: string, given?: string): Promise<string> {
  if (given) return given;
  const v = await latestModelVersion(store, flow);
  if (!v)
    throw new InrecordError(
      'IR_USAGE',
      `flow ${flow} has no shadow outputs yet, so there is nothing to sample`,
      { fix: 'Run the flow in shadow mode first (`inrecord apply`), or pass --model-version.' },
    );
  return v;
}

const short = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '—' : s.length > 60 ? `${s.slice(0, 57)}…` : s;
};

function itemLine(i: ReviewItem): string {
  return `#${i.id}  ${i.kind.padEnd(9)} ${i.crm}/${i.object}  ${i.subjectKey}  — ${i.reason}${i.status === 'open' ? '' : `  [${i.status} by ${i.resolvedBy}]`}`;
}

function sampleLine(s: Sample): string {
  const o = s.output;
  const label = s.label ? `  [${s.label} by ${s.labelled_by}]` : '';
  return `s${s.id}  ${s.flow}@${s.model_version}  ${o.object} ${o.record_id}  ${o.field ?? o.output} = ${short(o.value)}  (now: ${short(o.current_value)}${o.confidence === null ? '' : `, confidence ${o.confidence}`})${label}`;
}

function decisionFrom(opts: ResolveOptions): ReviewDecision {
  const chosen = [
    opts.pick !== undefined && { action: 'pick' as const, candidateId: opts.pick },
    opts.notInCrm && { action: 'not_in_crm' as const },
    opts.keepRep && { action: 'keep_rep' as const },
    opts.acceptAi && { action: 'accept_ai' as const },
    opts.dismiss && { action: 'dismiss' as const },
  ].filter(Boolean) as ReviewDecision[];
  if (chosen.length !== 1) {
    throw new InrecordError(
      'IR_USAGE',
      'give exactly one of --pick <crmId>, --not-in-crm, --keep-rep, --accept-ai, --dismiss',
    );
  }
  return { ...chosen[0], note: opts.note };
}

interface ResolveOptions {
  pick?: string;
  notInCrm?: boolean;
  keepRep?: boolean;
  acceptAi?: boolean;
  dismiss?: boolean;
  note?: string;
  by?: string;
}

async function withStore<T>(
  cmd: Command,
  fn: (config: InrecordConfig, store: Store) => Promise<T>,
): Promise<T> {
  const { config, store } = await openCommandContext(cmd, { connector: false });
  try {
    return await fn(config, store);
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const review = program
    .command('review')
    .description('review queue: identity and conflict items, and validation samples that open a flow’s gate');

  review
    .command('list')
    .description('open items (validation: unlabelled samples of every flow)')
    .option('--kind <kind>', 'identity | conflict | validation')
    .option('--status <status>', 'open | resolved | dismissed | all', 'open')
    .option('--limit <n>', 'how many', '100')
    .action(
      action(async (opts: { kind?: string; status: string; limit: string }, cmd: Command) => {
        if (opts.kind && !KINDS.includes(opts.kind))
          throw new InrecordError('IR_USAGE', `--kind must be one of ${KINDS.join(', ')}`);
        if (!['open', 'resolved', 'dismissed', 'all'].includes(opts.status))
          throw new InrecordError('IR_USAGE', '--status must be open, resolved, dismissed or all');
        const limit = Number(opts.limit);
        await withStore(cmd, async (config, store) => {
          const items = await listReviewItems(store, {
            kind: opts.kind as ReviewKind | undefined,
            status: opts.status as 'open',
            limit,
          });
          const samples: Sample[] = [];
          if (!opts.kind || opts.kind === 'validation') {
            const status = opts.status === 'open' ? 'unlabelled' : opts.status === 'all' ? 'all' : 'labelled';
            for (const f of config.flows)
              samples.push(...(await listSamples(store, { flow: f.name, status, limit })));
          }
          if (globals(cmd).json) return printJson({ items, samples });
          if (items.length === 0 && samples.length === 0) return printLine('Nothing to review.');
          for (const i of items) printLine(itemLine(i));
          for (const s of samples) printLine(sampleLine(s));
        });
      }),
    );

  review
    .command('show <id>')
    .description('one item with its payload (s<id> for a validation sample)')
    .action(
      action(async (id: string, _opts: unknown, cmd: Command) => {
        await withStore(cmd, async (_config, store) => {
          const json = globals(cmd).json;
          if (/^s\d+$/i.test(id)) {
            const s = await getSample(store, parseId(id, 'sample'));
            if (json) return printJson(s);
            printLine(sampleLine(s));
            printLine(JSON.stringify(s.output, null, 2));
            return;
          }
          const item = await getReviewItem(store, parseId(id, 'review item'));
          if (json) return printJson(item);
          printLine(itemLine(item));
          printLine(
            `created ${item.createdAt}${item.resolvedAt ? `, ${item.status} ${item.resolvedAt} by ${item.resolvedBy}` : ''}`,
          );
          printLine(JSON.stringify(item.payload, null, 2));
          if (item.resolution) printLine(`resolution: ${JSON.stringify(item.resolution)}`);
        });
      }),
    );

  review
    .command('resolve <id>')
    .description(
      'resolve an identity item (--pick, --not-in-crm) or a conflict (--keep-rep, --accept-ai), or --dismiss',
    )
    .option('--pick <crmId>', 'identity: the CRM record this input belongs to')
    .option('--not-in-crm', 'identity: the input has no record in the CRM')
    .option('--keep-rep', 'conflict: keep the rep’s value')
    .option('--accept-ai', 'conflict: write the AI value')
    .option('--dismiss', 'close without a decision')
    .option('--note <text>', 'why')
    .option('--by <name>', 'reviewer (default: the OS user)')
    .action(
      action(async (id: string, opts: ResolveOptions, cmd: Command) => {
        const decision = decisionFrom(opts);
        await withStore(cmd, async (_config, store) => {
          const item = await resolveReviewItem(store, {
            id: parseId(id, 'review item'),
            decision,
            by: actor(opts.by),
            resolvers: reviewResolvers(),
            // the operator at the CLI may link a record the item does not list
            pickUnlisted: true,
          });
          if (globals(cmd).json) return printJson(item);
          printLine(`#${item.id} ${item.status}: ${JSON.stringify(item.resolution)}`);
        });
      }),
    );

  review
    .command('samples <flow>')
    .description(
      'validation samples of a flow: draws a random sample of its shadow outputs when none are waiting',
    )
    .option('--model-version <v>', 'model version (default: the latest with shadow outputs)')
    .option('--draw <n>', 'draw this many more samples now')
    .option('--seed <seed>', 'fix the random draw (reproducible sample)')
    .option('--all', 'include labelled samples')
    .option('--by <name>', 'who draws (default: the OS user)')
    .action(
      action(
        async (
          name: string,
          opts: { modelVersion?: string; draw?: string; seed?: string; all?: boolean; by?: string },
          cmd: Command,
        ) => {
          await withStore(cmd, async (config, store) => {
            const flow = flowOf(config, name);
            const version = await versionOf(store, flow.name, opts.modelVersion);
            let waiting = await listSamples(store, {
              flow: flow.name,
              modelVersion: version,
              status: 'unlabelled',
            });
            const size =
              opts.draw !== undefined ? Number(opts.draw) : waiting.length === 0 ? flow.gate.sampleSize : 0;
            if (!Number.isInteger(size) || size < 0)
              throw new InrecordError('IR_USAGE', '--draw must be a whole number');
            const drawn =
              size > 0
                ? await drawSample(store, {
                    flow: flow.name,
                    modelVersion: version,
                    size,
                    drawnBy: actor(opts.by),
                    seed: opts.seed,
                  })
                : [];
            if (drawn.length > 0)
              waiting = await listSamples(store, {
                flow: flow.name,
                modelVersion: version,
                status: 'unlabelled',
              });
            const shown = opts.all
              ? await listSamples(store, { flow: flow.name, modelVersion: version, status: 'all' })
              : waiting;
            const status = await gateStatus(store, flow, version);
            if (globals(cmd).json)
              return printJson({
                flow: flow.name,
                modelVersion: version,
                drawn: drawn.length,
                samples: shown,
                gate: status,
              });
            if (size > 0)
              printLine(
                `Drew ${drawn.length} new sample(s)${drawn.length < size ? ` (only ${drawn.length} unsampled shadow outputs were left)` : ''}.`,
              );
            for (const s of shown) printLine(sampleLine(s));
            printLine(`gate: ${status.mode} — ${status.reason}`);
            printLine('Label them with `inrecord review label s<id> [s<id>-s<id>…] correct|incorrect`, or --from-file.');
          });
        },
      ),
    );

  review
    .command('label [args...]')
    .usage('<samples...> correct|incorrect  |  --from-file <path>')
    .description(
      'label validation samples correct or incorrect: one (s12), several (s12 s14), ranges (s1-s100), or a file of "s12 correct [note]" lines; each flow’s gate is re-evaluated once and the decision recorded',
    )
    .option('--note <text>', 'why')
    .option('--by <name>', 'reviewer (default: the OS user)')
    .option('--from-file <path>', 'one label a line: "s12 correct" or "s12,incorrect,the note" ("#" starts a comment)')
    .action(
      action(async (args: string[], opts: { note?: string; by?: string; fromFile?: string }, cmd: Command) => {
        const wanted = opts.fromFile ? labelsFromFile(opts.fromFile, args) : labelsFromArgs(args, opts.note);
        await withStore(cmd, async (config, store) => {
          const { labelled, gates } = await labelSamples(store, config.flows, wanted, actor(opts.by));
          const decisions = gates.map((g) => g.decision);
          if (globals(cmd).json)
            return printJson(labelled.length === 1 && decisions.length === 1 ? { sample: labelled[0], gate: decisions[0] } : { samples: labelled, gates: decisions });
          printLine(
            labelled.length === 1
              ? `s${labelled[0].id} labelled ${labelled[0].label}.`
              : `${labelled.length} samples labelled: ${labelled.filter((s) => s.label === 'correct').length} correct, ${labelled.filter((s) => s.label === 'incorrect').length} incorrect.`,
          );
          for (const g of gates) {
            printLine(`gate ${g.flow}@${g.modelVersion}: ${g.decision.mode} — ${g.decision.reason}`);
            if (g.decision.mode === 'shadow' && g.config) {
              const more = labelsToOpen(g.decision.figures, g.config.gate);
              if (more !== null && more > 0) printLine(`At least ${more} more correct label(s) needed to open it.`);
            }
          }
        });
      }),
    );

  review
    .command('gate <flow>')
    .description('a flow’s gate: current status and the recorded decisions with their figures')
    .option('--model-version <v>', 'model version (default: the latest seen)')
    .option('--limit <n>', 'decisions to show', '10')
    .action(
      action(async (name: string, opts: { modelVersion?: string; limit: string }, cmd: Command) => {
        await withStore(cmd, async (config, store) => {
          const flow = flowOf(config, name);
          const version = opts.modelVersion ?? (await latestModelVersion(store, flow.name)) ?? 'default';
          const status = await gateStatus(store, flow, version);
          const history = await decisionHistory(store, flow.name, version, Number(opts.limit));
          if (globals(cmd).json) return printJson({ status, history });
          printLine(`${flow.name}@${version}: ${status.mode} — ${status.reason}`);
          for (const d of history) {
            const acc = d.figures.accuracy === null ? '—' : `${(d.figures.accuracy * 100).toFixed(1)}%`;
            printLine(
              `  ${d.decidedAt}  ${d.mode.padEnd(6)}  n ${d.figures.n}, correct ${d.figures.correct}, accuracy ${acc}, lower ${d.figures.lower.toFixed(3)} vs ${d.figures.threshold}  by ${d.decidedBy}  (${d.reasonCode})`,
            );
          }
        });
      }),
    );
}
