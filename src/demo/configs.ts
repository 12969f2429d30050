/**
 * The demo's inrecord.yaml for each simulated CRM, as values: what a RevOps engineer would write
 * for that CRM, with each CRM's own field names (Pipedrive custom fields by label). Each CRM's part
 * is its simulator's (`demo` in `src/simulators/<crm>/entry.ts`); the gates are the demo's, the
 * same for every CRM.
 */
import { type InrecordConfig, configSchema } from '../config/index.js';
import type { CrmName } from '../crm/types.js';
import {
  type DemoFieldSpec,
  type DemoGates,
  type RunningSimulator,
  simulatorOf,
} from '../simulators/index.js';

export type { DemoFieldSpec } from '../simulators/index.js';

// The demo's bar: the Wilson lower bound of accuracy on 100 labels must reach 70%.
const GATE = { mode: 'gated' as const, threshold: 0.7, sampleSize: 100 };
// Scores are judged on the CRM's later outcomes, each ranked against a record of the opposite
// outcome: the share ranked right estimates the AUC (0.5 is chance), so its lower bound must reach
// 65 % on 200 labels (outcome labels cost a reviewer nothing).
const SCORE_GATE = { ...GATE, threshold: 0.65, sampleSize: 200 };
const GATES: DemoGates = { gate: GATE, scoreGate: SCORE_GATE };

export function demoConfig(crm: CrmName, sim: Pick<RunningSimulator, 'apiBase' | 'token'>): InrecordConfig {
  const base = { crm: { kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } } };
  return configSchema.parse(simulatorOf(crm).demo.config(base, GATES));
}

/**
 * The demo's signal flows beside each CRM's scoring and enrichment: intent on the inbound messages
 * (Salesforce contacts), deal risk and product usage (Pipedrive). Kept apart from `demoConfig`,
 * which other suites reuse as a plain scoring setup.
 */
export function demoSignalConfig(base: InrecordConfig): { config: InrecordConfig; fields: DemoFieldSpec[] } {
  const extra = simulatorOf(base.crm.kind).demo.signals(GATES);
  const objects: Record<string, { fields: Record<string, unknown> }> = structuredClone(base.objects) as never;
  for (const [kind, rules] of Object.entries(extra.objects))
    objects[kind] = { ...objects[kind], fields: { ...objects[kind]?.fields, ...rules.fields } };
  return {
    config: configSchema.parse({ ...base, objects, flows: [...base.flows, ...extra.flows] }),
    fields: extra.fields,
  };
}
