/**
 * The configured flows as an output source: each flow's records are read page by page through the
 * connector, processed by src/flows, and handed on as RecordOutputs — outputs and the flow's own
 * rejections, with the moment the record was read (the conflict check's "AI read it at").
 */
import type { FlowConfig } from '../config/index.js';
import type { CrmConnector } from '../crm/types.js';
import { createFlowProcessor } from '../flows/index.js';
import type { Store } from '../store/index.js';
import type { RecordOutputs } from './types.js';

export interface FlowSourceOptions {
  connector: CrmConnector;
  store: Store;
  flows: FlowConfig[];
  /** Only records modified at or after this time (ISO 8601); all when absent. */
  since?: string | null;
  /** At most this many records per flow. */
  limit?: number;
  now?: () => Date;
  /** Called once per flow with the model that answers and why. */
  onFlow?: (flow: FlowConfig, explanation: string) => void;
}

export async function* flowOutputs(opts: FlowSourceOptions): AsyncGenerator<RecordOutputs> {
  const now = opts.now ?? (() => new Date());
  for (const flow of opts.flows) {
    const schema = await opts.connector.describe(flow.object);
    const processor = await createFlowProcessor(flow, { schema, db: opts.store, now });
    opts.onFlow?.(flow, processor.explanation);
    const fields = schema.fields.map((f) => f.name);
    let n = 0;
    let readAt = now().toISOString();
    pages: for await (const page of opts.connector.readChanged(flow.object, opts.since ?? null, fields)) {
      for (const record of page) {
        if (opts.limit !== undefined && n >= opts.limit) break pages;
        n++;
        const result = await processor.process({ id: record.id, fields: record.fields });
        if (result.outputs.length === 0 && result.rejected.length === 0) continue;
        yield {
          object: flow.object,
          recordId: record.id,
          readAt,
          outputs: result.outputs,
          ...(result.rejected.length > 0
            ? { rejected: result.rejected.map((r) => ({ output: r.output, field: r.field, flow: flow.name, code: r.code, message: r.message })) }
            : {}),
        };
      }
      // The next page is read after this one is handed on: its read time is taken now.
      readAt = now().toISOString();
    }
  }
}
