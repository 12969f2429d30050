-- monitor: the validation gate (shadow outputs, labelled samples, decisions), alerts and reports.

-- what a flow in shadow mode would have written; nothing here reached the CRM
CREATE TABLE shadow_outputs (
  id bigserial PRIMARY KEY,
  flow text NOT NULL,
  model_version text NOT NULL,
  run_id text,
  crm text NOT NULL,
  object text NOT NULL,
  record_id text NOT NULL,
  output text NOT NULL,
  field text,
  value jsonb,
  current_value jsonb,
  confidence double precision,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shadow_outputs_flow ON shadow_outputs (flow, model_version, created_at);

-- a random sample of shadow outputs a reviewer labels correct / incorrect
CREATE TABLE gate_samples (
  id bigserial PRIMARY KEY,
  flow text NOT NULL,
  model_version text NOT NULL,
  shadow_output_id bigint NOT NULL UNIQUE REFERENCES shadow_outputs (id),
  drawn_by text,
  drawn_at timestamptz NOT NULL DEFAULT now(),
  label text CHECK (label IN ('correct', 'incorrect')),
  labelled_by text,
  labelled_at timestamptz,
  note text
);
CREATE INDEX gate_samples_flow ON gate_samples (flow, model_version, drawn_at);

-- every gate decision with the figures it was made on; the latest one per flow and version holds
CREATE TABLE gate_decisions (
  id bigserial PRIMARY KEY,
  flow text NOT NULL,
  model_version text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('shadow', 'open')),
  reason_code text NOT NULL,
  reason text NOT NULL,
  n integer NOT NULL DEFAULT 0,
  correct integer NOT NULL DEFAULT 0,
  accuracy double precision,
  lower_bound double precision,
  upper_bound double precision,
  threshold double precision NOT NULL,
  sample_size integer NOT NULL,
  figures jsonb NOT NULL DEFAULT '{}'::jsonb,
  decided_by text NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gate_decisions_flow ON gate_decisions (flow, model_version, decided_at DESC, id DESC);

-- alerts raised by a monitoring run, with their delivery to the webhook
CREATE TABLE monitor_alerts (
  id bigserial PRIMARY KEY,
  flow text,
  metric text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('warn', 'alert')),
  value double precision,
  threshold double precision,
  message text NOT NULL,
  figures jsonb NOT NULL DEFAULT '{}'::jsonb,
  delivery text NOT NULL DEFAULT 'none',   -- none | sent | failed | repeat
  delivery_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by text
);
CREATE INDEX monitor_alerts_created ON monitor_alerts (created_at DESC);

-- each monitoring run's full report (the console's history; the schedule's last run)
CREATE TABLE monitor_reports (
  id bigserial PRIMARY KEY,
  trigger text NOT NULL,                    -- schedule | demand
  window_from timestamptz NOT NULL,
  window_to timestamptz NOT NULL,
  report jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
