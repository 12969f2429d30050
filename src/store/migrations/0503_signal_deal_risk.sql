-- The last deal-risk level noted on each deal's timeline: a note is added only when the level changes.
CREATE TABLE signal_deal_risk (
  crm text NOT NULL,
  deal_id text NOT NULL,
  level text NOT NULL,
  score double precision,
  note_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crm, deal_id)
);
