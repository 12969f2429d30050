-- Trained flow models: one row per version. The training score distribution is kept for drift
-- monitoring (monitor/ compares live scores against it).
CREATE TABLE flow_models (
  version text NOT NULL,
  flow text NOT NULL,
  kind text NOT NULL,                       -- trained | rules | intent
  features jsonb NOT NULL DEFAULT '{}'::jsonb,
  weights jsonb NOT NULL,                   -- the whole model, as the flow restores it
  metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
  training_scores jsonb NOT NULL DEFAULT '[]'::jsonb,
  explanation text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow, version)
);
CREATE INDEX flow_models_latest ON flow_models (flow, created_at DESC);
