-- The newest version of each CRM record that was enqueued, and the newest that was processed.
-- A change seen by webhook and by poll, or delivered twice, is processed once: a job whose record
-- version is not newer than the processed one is a no-op, and one claim at a time works a record.
CREATE TABLE record_versions (
  crm text NOT NULL,
  object text NOT NULL,
  id text NOT NULL,
  enqueued_at_version timestamptz,          -- modifiedAt of the newest version enqueued by a poller
  processed_version timestamptz,            -- modifiedAt of the newest version processed (after our own write)
  claimed_by text,
  claimed_until timestamptz,
  deleted_at timestamptz,                   -- set only when the CRM confirms a deletion or merge
  merged_into text,
  processed_count integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crm, object, id)
);
