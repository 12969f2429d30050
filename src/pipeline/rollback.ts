/**
 * Rollback as every caller runs it (`inrecord rollback`, the console): write-back restores the
 * values, and the triggers remember each restored record's new version as inrecord's own, so the
 * next poll or webhook does not process the record again and write the rolled-back value back.
 */
import type { CrmConnector } from '../crm/types.js';
import type { Store } from '../store/index.js';
import { rememberOwnVersions } from '../triggers/index.js';
import { type RollbackReport, type RollbackWindowReport, rollbackRun, rollbackWindow } from '../writeback/index.js';

export interface RollbackDeps {
  store: Store;
  connector: CrmConnector;
}

/** One run, or the writes of a time window (optionally one flow's) across runs. */
export type RollbackTarget = { runId: string } | { since: string; until?: string; flow?: string };

async function remember(deps: RollbackDeps, reports: RollbackReport[]): Promise<void> {
  // a record restored by several runs of a window: its newest version
  const byObject = new Map<string, Map<string, string>>();
  for (const r of reports)
    for (const v of r.versions) {
      const versions = byObject.get(v.object) ?? new Map<string, string>();
      const seen = versions.get(v.id);
      if (!seen || Date.parse(v.modifiedAt) > Date.parse(seen)) versions.set(v.id, v.modifiedAt);
      byObject.set(v.object, versions);
    }
  for (const [object, versions] of byObject)
    await rememberOwnVersions(deps.store, deps.connector.crm, object, [...versions].map(([id, version]) => ({ id, version })));
}

export async function rollback(deps: RollbackDeps, target: { runId: string }, opts?: { dryRun?: boolean }): Promise<RollbackReport>;
export async function rollback(deps: RollbackDeps, target: { since: string; until?: string; flow?: string }, opts?: { dryRun?: boolean }): Promise<RollbackWindowReport>;
export async function rollback(deps: RollbackDeps, target: RollbackTarget, opts?: { dryRun?: boolean }): Promise<RollbackReport | RollbackWindowReport>;
export async function rollback(deps: RollbackDeps, target: RollbackTarget, opts: { dryRun?: boolean } = {}): Promise<RollbackReport | RollbackWindowReport> {
  if ('runId' in target) {
    const report = await rollbackRun(deps, target.runId, opts);
    await remember(deps, [report]);
    return report;
  }
  const report = await rollbackWindow(deps, target, opts);
  await remember(deps, report.runs);
  return report;
}
