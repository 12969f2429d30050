/** Every SQL statement of the flows module: the versioned model store (migration 0401). */
import type { Sql } from '../store/types.js';

export interface StoredModel {
  version: string;
  flow: string;
  kind: string;
  features: unknown;
  weights: unknown;
  metrics: Record<string, unknown>;
  trainingScores: number[];
  explanation: string | null;
  active: boolean;
  createdAt: string;
}

interface ModelRow {
  version: string;
  flow: string;
  kind: string;
  features: unknown;
  weights: unknown;
  metrics: Record<string, unknown>;
  training_scores: number[];
  explanation: string | null;
  active: boolean;
  created_at: Date | string;
}

function fromRow(r: ModelRow): StoredModel {
  return {
    version: r.version,
    flow: r.flow,
    kind: r.kind,
    features: r.features,
    weights: r.weights,
    metrics: r.metrics,
    trainingScores: r.training_scores,
    explanation: r.explanation,
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/**
 * Stores a model version and makes it the flow's active one, in one transaction. Saving the same
 * version again (a deterministic retrain on unchanged data) updates it instead of failing.
 * `active: false` records a model that was trained but not served: no version of the flow stays
 * active, so the flow scores with its rules, and the row keeps the reason.
 */
export async function saveModel(
  db: { transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> },
  m: Omit<StoredModel, 'createdAt' | 'active'> & { active?: boolean },
): Promise<void> {
  const active = m.active ?? true;
  await db.transaction(async (tx) => {
    await tx.query('UPDATE flow_models SET active = false WHERE flow = $1 AND version <> $2', [m.flow, m.version]);
    await tx.query(
      `INSERT INTO flow_models (version, flow, kind, features, weights, metrics, training_scores, explanation, active)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9)
       ON CONFLICT (flow, version) DO UPDATE SET kind = EXCLUDED.kind, features = EXCLUDED.features, weights = EXCLUDED.weights,
         metrics = EXCLUDED.metrics, training_scores = EXCLUDED.training_scores, explanation = EXCLUDED.explanation,
         active = EXCLUDED.active, created_at = now()`,
      [
        m.version,
        m.flow,
        m.kind,
        JSON.stringify(m.features ?? {}),
        JSON.stringify(m.weights),
        JSON.stringify(m.metrics ?? {}),
        JSON.stringify(m.trainingScores),
        m.explanation,
        active,
      ],
    );
  });
}

/** The flow's active model, or null when none was trained. */
export async function activeModel(db: Sql, flow: string): Promise<StoredModel | null> {
  const rows = await db.query<ModelRow>('SELECT * FROM flow_models WHERE flow = $1 AND active ORDER BY created_at DESC LIMIT 1', [flow]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** The flow's most recently trained model, served or not. */
export async function latestModel(db: Sql, flow: string): Promise<StoredModel | null> {
  const rows = await db.query<ModelRow>('SELECT * FROM flow_models WHERE flow = $1 ORDER BY created_at DESC LIMIT 1', [flow]);
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function modelByVersion(db: Sql, flow: string, version: string): Promise<StoredModel | null> {
  const rows = await db.query<ModelRow>('SELECT * FROM flow_models WHERE flow = $1 AND version = $2', [flow, version]);
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function listModels(db: Sql, flow: string): Promise<StoredModel[]> {
  const rows = await db.query<ModelRow>('SELECT * FROM flow_models WHERE flow = $1 ORDER BY created_at DESC', [flow]);
  return rows.map(fromRow);
}

/** The training score distribution of a model version (monitor's drift reference). */
export async function trainingScores(db: Sql, flow: string, version: string): Promise<number[] | null> {
  const rows = await db.query<{ s: number[] }>('SELECT training_scores AS s FROM flow_models WHERE flow = $1 AND version = $2', [flow, version]);
  return rows[0] ? rows[0].s : null;
}

/**
 * A reference source for monitor/ (its `ReferenceSource` shape): the stored training score
 * distribution of the flow's model version, or null when none was trained.
 */
export function trainingScoreReference(db: Sql): (flow: { name: string }, modelVersion: string) => Promise<number[] | null> {
  return (flow, modelVersion) => trainingScores(db, flow.name, modelVersion);
}

/** The training score distribution the flows module stored with a model version. */
export async function storedTrainingScores(db: Sql, flow: string, version: string): Promise<number[] | null> {
  const rows = await db.query<{ s: unknown }>(
    'SELECT training_scores AS s FROM flow_models WHERE flow = $1 AND version = $2',
    [flow, version],
  );
  const s = rows[0]?.s;
  return Array.isArray(s) && s.length > 0 ? s.map(Number).filter(Number.isFinite) : null;
}

/** The flow's active trained model version, newest first. */
export async function activeModelVersion(db: Sql, flow: string): Promise<string | null> {
  const rows = await db.query<{ version: string }>(
    'SELECT version FROM flow_models WHERE flow = $1 AND active ORDER BY created_at DESC LIMIT 1',
    [flow],
  );
  return rows[0]?.version ?? null;
}
