/**
 * The console's actions for a set of CRM connections: the monitor module's review, labelling,
 * gates and charts; write-back's rollback; the job engine's replay.
 */
import type { InrecordConfig } from '../config/index.js';
import type { CrmConnector, CrmName } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { lastModelReport } from '../flows/index.js';
import { type JobEngine, replayDeadLetter } from '../jobs/index.js';
import { monitorConsoleActions } from '../monitor/index.js';
import { reviewResolvers, rollback } from '../pipeline/index.js';
import type { ConsoleActions } from './types.js';
import type { Store } from '../store/index.js';
import { getRun } from '../writeback/index.js';

export function consoleActions(deps: {
  store: Store;
  config: InrecordConfig;
  connectors: Partial<Record<CrmName, CrmConnector>>;
  engine?: JobEngine;
}): ConsoleActions {
  const monitor = monitorConsoleActions(deps.store, deps.config, { resolvers: reviewResolvers() });
  return {
    ...monitor,
    async models() {
      const flows = deps.config.flows.filter((f) => f.kind === 'scoring');
      return Promise.all(flows.map(async (f) => ({ flow: f.name, report: await lastModelReport(deps.store, f.name) })));
    },
    async rollbackRun(runId: string) {
      const run = await getRun(deps.store, runId);
      if (!run) throw new InrecordError('IR_RUN_NOT_FOUND', `no run ${runId}`);
      const connector = run.crm ? deps.connectors[run.crm as CrmName] : undefined;
      if (!connector) throw new InrecordError('IR_USAGE', `run ${runId} wrote to ${run.crm ?? 'no CRM'}, which this server has no connection for`);
      const r = await rollback({ store: deps.store, connector }, { runId });
      return `Rolled back ${runId}: ${r.restored.length} field(s) restored, ${r.skipped.length} skipped (a person changed them since)${r.failed.length ? `, ${r.failed.length} failed` : ''}.`;
    },
    async replayDeadLetter(id: number) {
      if (!deps.engine) throw new InrecordError('IR_NOT_IMPLEMENTED', 'this server runs no job engine to replay into');
      const { jobId, deadLetter } = await replayDeadLetter(deps.engine, id);
      return `Dead letter #${deadLetter.id} replayed on ${deadLetter.queue} as job ${jobId}.`;
    },
  };
}
