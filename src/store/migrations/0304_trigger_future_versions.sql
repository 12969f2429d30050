-- Records a poll saw modified after the CRM's current time (a clock or a data error): they move no
-- cursor and are not admitted, and stay listed here until their time is no longer in the future.
CREATE TABLE future_versions (
  crm text NOT NULL,
  object text NOT NULL,
  id text NOT NULL,
  modified_at timestamptz NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crm, object, id)
);
