-- Core tables. Modules extend them through their own numbered files in this folder:
-- 01xx identity, 02xx write-back, 03xx triggers, 04xx flows, 05xx signals, 06xx monitor, 07xx crm, 08xx jobs.

CREATE TABLE runs (
  id text PRIMARY KEY,
  kind text NOT NULL,                       -- apply | backfill | import | reconcile | validate | rollback | demo
  crm text,
  flow text,
  status text NOT NULL DEFAULT 'running',   -- running | succeeded | failed | rolled_back
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  summary jsonb NOT NULL DEFAULT '{}'::jsonb
);

-- identity map: an external key resolved to one CRM record, with provenance
CREATE TABLE identity_links (
  crm text NOT NULL,
  object text NOT NULL,                     -- contact | company | deal
  external_key text NOT NULL,
  crm_id text NOT NULL,
  provenance text NOT NULL,                 -- rule | reviewer
  rule text,
  confidence double precision,
  decided_by text,
  decided_at timestamptz NOT NULL DEFAULT now(),
  invalidated_at timestamptz,
  invalidated_reason text,
  PRIMARY KEY (crm, object, external_key)
);
CREATE INDEX identity_links_crm_id ON identity_links (crm, object, crm_id);

-- review queue: identity decisions and write conflicts waiting for a person
CREATE TABLE review_items (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,                       -- identity | conflict | validation
  crm text NOT NULL,
  object text NOT NULL,
  subject_key text NOT NULL,                -- external key (identity) or record id + field (conflict)
  status text NOT NULL DEFAULT 'open',      -- open | resolved | dismissed
  reason text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  resolution jsonb,
  resolved_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
CREATE UNIQUE INDEX review_items_open ON review_items (kind, crm, object, subject_key) WHERE status = 'open';

-- write ledger: every field write, before and after, so a run can be verified and rolled back
CREATE TABLE write_ledger (
  id bigserial PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id),
  crm text NOT NULL,
  object text NOT NULL,
  record_id text NOT NULL,
  field text NOT NULL,
  before_value jsonb,
  after_value jsonb,
  outcome text NOT NULL,                    -- written | unchanged | conflict_skipped | flagged | rejected | failed | not_applied | rolled_back
  reason text,
  flow text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX write_ledger_run ON write_ledger (run_id);
CREATE INDEX write_ledger_record ON write_ledger (crm, object, record_id, field);

-- persistent cursors of pollers and incremental runs
CREATE TABLE cursors (
  name text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- every accepted webhook delivery; dedupe_key makes a repeated delivery a no-op
CREATE TABLE webhook_receipts (
  id bigserial PRIMARY KEY,
  crm text NOT NULL,
  dedupe_key text NOT NULL UNIQUE,
  received_at timestamptz NOT NULL DEFAULT now(),
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'enqueued'
);

CREATE TABLE metrics (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}'::jsonb,
  value double precision NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX metrics_name_at ON metrics (name, at);

-- effects done once: a job that runs twice finds its effect here and does not repeat it
CREATE TABLE effects (
  key text PRIMARY KEY,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- terminal job failures with everything needed to replay them exactly
CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  job_id text NOT NULL,
  data jsonb NOT NULL,
  error jsonb NOT NULL,
  attempts integer NOT NULL,
  status text NOT NULL DEFAULT 'open',      -- open | replayed | discarded
  replayed_job_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (queue, job_id)
);
