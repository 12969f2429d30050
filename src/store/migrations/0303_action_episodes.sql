-- Whether each action rule's condition held for a record when last evaluated, and its episode: a
-- rule acts once per episode (its condition turning true), however often the record is processed,
-- retried or re-run; the condition turning false and true again starts the next episode.
CREATE TABLE rule_state (
  crm text NOT NULL,
  flow text NOT NULL,
  rule text NOT NULL,
  object text NOT NULL,
  record_id text NOT NULL,
  holds boolean NOT NULL,
  episode integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crm, flow, rule, object, record_id)
);
