-- signals: activities imported from mail / calendar / feeds, and product-usage events.

-- One row per imported item and CRM. A row is written 'pending' before the CRM call and set 'done'
-- with the created activity id after it, so a crash in between leaves a pending row: the next import
-- does not create a second activity for it but sends it to review (the CRM may or may not hold it).
CREATE TABLE signal_activities (
  crm text NOT NULL,
  external_id text NOT NULL,                -- Message-ID / iCal UID / feed id
  kind text NOT NULL,                       -- email | meeting
  status text NOT NULL,                     -- pending | done
  activity_id text,
  contact_id text,
  company_id text,
  source text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crm, external_id)
);

-- Usage events as ingested (deduplicated); the 7 / 30-day aggregates are computed over them.
CREATE TABLE signal_usage_events (
  source text NOT NULL,
  event_key text NOT NULL,
  user_email text,
  account_id text,
  domain text,
  feature text,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (source, event_key)
);
CREATE INDEX signal_usage_events_at ON signal_usage_events (occurred_at);
