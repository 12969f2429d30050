/**
 * One run of the configured flows against one CRM: read records → flow outputs → the validation
 * gate (shadow outputs are recorded, not written) → write-back (ownership, conflicts, verification,
 * ledger) → trigger actions for what was allowed through. The same path serves `apply`, `plan` (a
 * dry run: the same records, outputs and gate, planned and not written), the daemon's record jobs,
 * output files, signal imports and the demo.
 */
import { type FlowConfig, type GateConfig, type InrecordConfig, defaultGate, readsRecords } from '../config/index.js';
import type { CrmConnector, CrmRecord, FieldValue } from '../crm/types.js';
import { type ActionRule, actionRuleSchema, fireActions } from '../actions/index.js';
import { InrecordError } from '../errors/index.js';
import { type GateFilterStats, gateOutputs } from '../gate/index.js';
import { type ModelReport, type ModelSummary, reportWithoutTraining } from '../flows/index.js';
import type { Store } from '../store/index.js';
import { type ApplySummary, type RecordOutputs, type RecordPlan, type RunOptions, type WritebackDeps, type WritebackEvent, applyRun, decidedRecordIds, planRun } from '../writeback/index.js';
import { readAhead } from './ahead.js';
import { type PreparedFlow, type Rejection, prepareFlow, produceOutputs } from './flows.js';

/** Pages of records read ahead of the flows and write-back. */
const PAGES_AHEAD = 4;

export interface RunnerDeps {
  store: Store;
  connector: CrmConnector;
  config: InrecordConfig;
  now?: () => Date;
  /** Write-back progress (records planned and written). */
  onEvent?: (e: WritebackEvent) => void;
  /** Every write-back decision once it is in the ledger. */
  onLedger?: WritebackDeps['onLedger'];
}

export interface FlowRunReport {
  flow: string;
  kind: string;
  explanation: string;
  /** Scoring: the model that answered and why. */
  model?: ModelSummary;
  records: number;
  outputs: number;
  rejected: Rejection[];
  gate: GateFilterStats;
  apply: ApplySummary | null;
  /** A dry run's plans: what the write would do, record by record. */
  plans?: RecordPlan[];
  /** A resumed run: the records it had already decided on, left alone. */
  resumedAfter?: number;
  actions: { done: number; alreadyDone: number; uncertain: number; failed: number; skipped: string[] };
}

export interface RunFlowsOptions {
  /** Only these flows (default: all configured). */
  flows?: string[];
  /** Only these record ids (per flow object). */
  ids?: string[];
  /** These records as just read (with at least the flow's fields): no read of its own. */
  records?: CrmRecord[];
  /** When `records` were read (ISO 8601): a person's edit since then is a conflict for hybrid fields. Default: now. */
  readAt?: string;
  /** Records modified since (ISO); null: all. Ignored with ids. */
  since?: string | null;
  /** Train scoring models from the CRM's history before scoring (default true). */
  train?: boolean;
  onProgress?: (flow: string, done: number) => void;
  /** Each record the CRM accepted a write for, with its version after the write (see applyRun). */
  onWritten?: (recordId: string, fieldsWritten: number, modifiedAt: string | null) => void;
  /** Each record an action changed itself (a new owner, a new stage): its version moved after the write. */
  onActed?: (recordId: string) => void;
  /** Prepared flows to reuse (the daemon prepares once). */
  prepared?: Map<string, PreparedFlow>;
  /** At most this many records per flow. */
  limit?: number;
  /** Plan only: outputs through the gate (nothing recorded) into write plans; nothing written, no action. */
  dryRun?: boolean;
  /** Records planned and written together (default 500). */
  chunkSize?: number;
  /** Each flow once prepared: the model that answers and why. */
  onPrepared?: (prepared: PreparedFlow) => void;
  /**
   * Take up this run again (stopped half-way: killed, crashed): every record is read again, those
   * the run already decided on (ledger) are left alone, the rest are worked into the same run.
   */
  resume?: string;
}

/** The flows a run reads records for: those named, else every configured flow whose kind reads records. */
function pickFlows(config: InrecordConfig, names?: string[]): FlowConfig[] {
  if (!names || names.length === 0) return config.flows.filter((f) => readsRecords(f.kind));
  return names.map((n) => {
    const f = config.flows.find((x) => x.name === n);
    if (!f) throw new InrecordError('IR_USAGE', `no flow named "${n}" in inrecord.yaml`, { fix: `Configured flows: ${config.flows.map((x) => x.name).join(', ') || '(none)'}` });
    if (!readsRecords(f.kind)) throw new InrecordError('IR_USAGE', `flow "${n}" is a ${f.kind} flow: its outputs come from an import, not from reading records`, { fix: `Run \`inrecord import ${f.kind} <source>\`.` });
    return f;
  });
}

function actionRules(flow: FlowConfig): ActionRule[] {
  return flow.actions.map((a, i) => {
    const r = actionRuleSchema.safeParse(a);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new InrecordError('IR_CONFIG_INVALID', `flows.${flow.name}.actions.${i}.${issue.path.join('.')}: ${issue.message}`);
    }
    return r.data;
  });
}

async function* records(connector: CrmConnector, flow: FlowConfig, reads: string[], opts: RunFlowsOptions, onTotal: (n: number) => void): AsyncGenerator<CrmRecord[]> {
  if (opts.limit === undefined) {
    yield* allRecords(connector, flow, reads, opts, onTotal);
    return;
  }
  let left = opts.limit;
  for await (const page of allRecords(connector, flow, reads, opts, (n) => onTotal(Math.min(n, opts.limit as number)))) {
    if (left <= 0) return;
    yield page.slice(0, left);
    left -= page.length;
  }
}

async function* allRecords(connector: CrmConnector, flow: FlowConfig, reads: string[], opts: RunFlowsOptions, onTotal: (n: number) => void): AsyncGenerator<CrmRecord[]> {
  if (opts.records) {
    onTotal(opts.records.length);
    for (let i = 0; i < opts.records.length; i += 500) yield opts.records.slice(i, i + 500);
    return;
  }
  if (opts.ids) {
    onTotal(opts.ids.length);
    for (let i = 0; i < opts.ids.length; i += 500) yield await connector.read(flow.object, opts.ids.slice(i, i + 500), reads);
    return;
  }
  // Paged by record id, an order our own writes do not move: each page is worked and written while
  // the next is read, so memory does not grow with the CRM's size and no record is met twice.
  let read = 0;
  let told = false;
  const tell = (n: number) => {
    told = true;
    onTotal(n);
  };
  // read a few pages ahead: reads and writes then each use their share of the rate limit
  for await (const page of readAhead(connector.readChanged(flow.object, opts.since ?? null, reads, { order: 'key', onTotal: tell }), PAGES_AHEAD)) {
    read += page.length;
    yield page;
  }
  // a CRM that does not tell the size of a read up front: known at its end
  if (!told) onTotal(read);
}

/**
 * Trains the scoring flow's model now, the way every run prepares it (prepareFlow: the CRM's
 * history read, the model chosen, stored with its report), and returns the report.
 */
export async function trainFlow(deps: RunnerDeps, name: string): Promise<ModelReport> {
  const [flow] = pickFlows(deps.config, [name]);
  if (flow.kind !== 'scoring') throw new InrecordError('IR_USAGE', `flow "${name}" is a ${flow.kind} flow: only scoring flows train a model`);
  const now = (deps.now ?? (() => new Date()))();
  const prepared = await prepareFlow({ store: deps.store, connector: deps.connector, now, train: true, objects: deps.config.objects }, flow);
  return prepared.modelReport ?? reportWithoutTraining(prepared.model!, now);
}

export async function runFlow(deps: RunnerDeps, flow: FlowConfig, opts: RunFlowsOptions = {}): Promise<FlowRunReport> {
  const now = deps.now ?? (() => new Date());
  const prepared = opts.prepared?.get(flow.name) ?? (await prepareFlow({ store: deps.store, connector: deps.connector, now: now(), train: opts.train, objects: deps.config.objects }, flow));
  opts.onPrepared?.(prepared);
  const rules = actionRules(flow);
  const report: FlowRunReport = {
    flow: flow.name,
    kind: flow.kind,
    explanation: prepared.explanation,
    ...(prepared.model ? { model: prepared.model } : {}),
    records: 0,
    outputs: 0,
    rejected: [],
    gate: { shadowed: {}, passed: {}, gates: {} },
    apply: null,
    actions: { done: 0, alreadyDone: 0, uncertain: 0, failed: 0, skipped: [] },
  };
  // the records to work, once read: progress counts against it
  let total: number | undefined;
  // a resumed run leaves the records it already decided on alone
  const decided = new Set(opts.resume ? await decidedRecordIds(deps.store, opts.resume) : []);
  if (opts.resume) report.resumedAfter = decided.size;

  async function* source(): AsyncGenerator<RecordOutputs> {
    for await (const all of records(deps.connector, flow, prepared.reads, opts, (n) => (total = n - decided.size))) {
      const page = decided.size > 0 ? all.filter((r) => !decided.has(r.id)) : all;
      report.records += page.length;
      const produced = await produceOutputs(prepared, page, {
        now: now(),
        history: (ids, f) => deps.connector.history(flow.object, ids, f),
        ...(opts.records && opts.readAt ? { readAt: opts.readAt } : {}),
      });
      report.rejected.push(...produced.rejected);
      for (const o of produced.outputs) report.outputs += o.outputs.length;
      yield* produced.outputs;
      opts.onProgress?.(flow.name, report.records);
    }
  }

  // what the actions act on, once the write is done: each passed record's outputs and current values
  const passed: { recordId: string; outputs: RecordOutputs['outputs']; fields: Record<string, FieldValue> }[] = [];
  const withTotal = deps.onEvent ? { ...deps, onEvent: (e: WritebackEvent) => deps.onEvent?.({ ...e, total: e.total ?? total }) } : deps;
  const written = await writeOutputs(withTotal, source(), {
    flow: flow.name,
    ...(opts.resume ? { runId: opts.resume, resume: true } : {}),
    flowNames: [flow.name],
    dryRun: opts.dryRun,
    chunkSize: opts.chunkSize,
    // known once the records are read: the progress the console shows counts against it
    total: () => total,
    // current values go beside shadow outputs (what a reviewer compares) and into action rules
    currentValue: (rec, field) => rec.record?.fields[field],
    onWritten: opts.onWritten,
    onPassed: rules.length > 0 && !opts.dryRun ? (r) => passed.push({ recordId: r.recordId, outputs: r.outputs, fields: r.record?.fields ?? {} }) : undefined,
  });
  report.gate = written.gate;
  report.apply = written.apply;
  if (written.plans) report.plans = written.plans;

  // actions fire only for outputs the gate let through: a flow in shadow mode acts on nothing
  for (const r of passed) {
    const outputs = Object.fromEntries(r.outputs.map((o) => [o.name, o.value as FieldValue]));
    const fired = await fireActions(
      { connector: deps.connector, store: deps.store },
      {
        flow: flow.name,
        rules,
        context: { object: flow.object, recordId: r.recordId, record: r.fields, outputs, now: now() },
      },
    );
    for (const f of fired.fired) {
      if (f.outcome === 'done' && (f.action.type === 'assign_owner' || f.action.type === 'change_stage') && f.action.id === r.recordId) opts.onActed?.(r.recordId);
      if (f.outcome === 'done') report.actions.done++;
      else if (f.outcome === 'already-done') report.actions.alreadyDone++;
      else if (f.outcome === 'uncertain') report.actions.uncertain++;
      else report.actions.failed++;
    }
    report.actions.skipped.push(...fired.skipped);
  }
  return report;
}

export interface WriteOutputsOptions {
  /** The flow the run belongs to, when one (ledger, runs list). */
  flow?: string;
  /** Flows the outputs come from: configured ones pass their validation gate, others have none. */
  flowNames: string[];
  dryRun?: boolean;
  chunkSize?: number;
  /** Records expected, for progress (a function when known only once the records are read). */
  total?: RunOptions['total'];
  currentValue?: (record: RecordOutputs, field: string) => unknown;
  onWritten?: RunFlowsOptions['onWritten'];
  /** Each record's outputs the gate let through (actions act on these). */
  onPassed?: (r: RecordOutputs) => void;
  /** The write run's id (default: a new one); with `resume`, a run stopped half-way taken up again. */
  runId?: string;
  resume?: boolean;
}

export interface WrittenOutputs {
  gate: GateFilterStats;
  /** The write run (null on a dry run). */
  apply: ApplySummary | null;
  /** A dry run's plans (null when written). */
  plans: RecordPlan[] | null;
}

const OPEN_GATE: GateConfig = defaultGate('open');

/**
 * The one write step: outputs → each flow's validation gate → write-back (or its plan, on a dry
 * run). A flow's own refusals bypass the gate so they always reach the ledger; outputs of a flow
 * inrecord.yaml does not configure (an outputs file's) have no gate of their own and pass.
 */
export async function writeOutputs(deps: RunnerDeps, source: AsyncIterable<RecordOutputs>, opts: WriteOutputsOptions): Promise<WrittenOutputs> {
  const flows = [
    ...deps.config.flows,
    ...opts.flowNames.filter((n) => !deps.config.flows.some((f) => f.name === n)).map((name) => ({ name, gate: OPEN_GATE }) as FlowConfig),
  ];
  const refusals: RecordOutputs[] = [];
  async function* split(): AsyncIterable<RecordOutputs> {
    for await (const r of source) {
      if (r.rejected?.length) refusals.push({ object: r.object, recordId: r.recordId, readAt: r.readAt, outputs: [], rejected: r.rejected });
      if (r.outputs.length > 0) yield { object: r.object, recordId: r.recordId, readAt: r.readAt, outputs: r.outputs, ...(r.record ? { record: r.record } : {}) };
    }
  }
  const gated = gateOutputs(deps.store, split(), {
    crm: deps.connector.crm,
    flows,
    record: !opts.dryRun,
    ...(opts.currentValue ? { currentValue: (rec, field) => opts.currentValue!(rec as RecordOutputs, field) } : {}),
  });
  async function* merged(): AsyncIterable<RecordOutputs> {
    for await (const r of gated.source) {
      opts.onPassed?.(r);
      yield r;
      while (refusals.length > 0) yield refusals.shift() as RecordOutputs;
    }
    while (refusals.length > 0) yield refusals.shift() as RecordOutputs;
  }
  const wb = { store: deps.store, connector: deps.connector, objects: deps.config.objects, now: deps.now, onEvent: deps.onEvent, onLedger: deps.onLedger };
  if (opts.dryRun) {
    const plans = await planRun(wb, { source: merged(), total: opts.total, chunkSize: opts.chunkSize });
    return { gate: gated.stats, apply: null, plans };
  }
  const apply = await applyRun(wb, {
    source: merged(),
    total: opts.total,
    chunkSize: opts.chunkSize,
    flow: opts.flow,
    onWritten: opts.onWritten,
    ...(opts.runId ? { runId: opts.runId, resume: opts.resume } : {}),
  });
  return { gate: gated.stats, apply, plans: null };
}

export async function runFlows(deps: RunnerDeps, opts: RunFlowsOptions = {}): Promise<FlowRunReport[]> {
  const out: FlowRunReport[] = [];
  for (const flow of pickFlows(deps.config, opts.flows)) out.push(await runFlow(deps, flow, opts));
  return out;
}
