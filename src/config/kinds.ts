/**
 * The flow kinds, declared once: where a kind's inputs come from and how its outputs are gated when
 * inrecord.yaml says nothing. The pipeline, the daemon and `check` read this; nothing else lists
 * the kinds.
 */
export const FLOW_KINDS = {
  scoring: { inputs: 'records', gate: 'gated', what: 'lead / contact scoring with score reasons' },
  enrichment: { inputs: 'records', gate: 'gated', what: 'firmographics from an enrichment provider' },
  intent: { inputs: 'records', gate: 'gated', what: 'intent classification of a text field' },
  summary: { inputs: 'records', gate: 'gated', what: 'summarisation of a text field' },
  'deal-risk': { inputs: 'records', gate: 'gated', what: 'deal-risk level and reasons' },
  // usage aggregates are counted, not inferred: nothing for a sampled review to judge
  usage: { inputs: 'import', gate: 'open', what: 'product-usage aggregates from `inrecord import usage` or a configured source' },
} as const satisfies Record<string, { inputs: 'records' | 'import'; gate: 'gated' | 'open'; what: string }>;

export type FlowKind = keyof typeof FLOW_KINDS;
export const FLOW_KIND_NAMES = Object.keys(FLOW_KINDS) as [FlowKind, ...FlowKind[]];

/** The kind reads CRM records itself (the daemon's jobs, `apply`); `import` kinds are fed by an import. */
export function readsRecords(kind: FlowKind): boolean {
  return FLOW_KINDS[kind].inputs === 'records';
}
