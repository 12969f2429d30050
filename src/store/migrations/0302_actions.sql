-- CRM actions fired by AI decisions, keyed so a retry never performs one twice.
CREATE TABLE action_log (
  key text PRIMARY KEY,
  flow text NOT NULL,
  crm text NOT NULL,
  object text NOT NULL,
  record_id text NOT NULL,
  action jsonb NOT NULL,
  status text NOT NULL,                     -- pending | done | uncertain | failed
  created_id text,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- round-robin positions per assignment rule
CREATE TABLE assignment_state (
  rule text PRIMARY KEY,
  position integer NOT NULL DEFAULT 0
);
