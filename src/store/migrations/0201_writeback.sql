-- write-back: what the core ledger needs for verification and rollback.
ALTER TABLE write_ledger ADD COLUMN output text;                 -- the flow output name
ALTER TABLE write_ledger ADD COLUMN code text;                   -- error code of a rejection / failure
ALTER TABLE write_ledger ADD COLUMN message text;                -- the sentence naming record, field, value and fix
ALTER TABLE write_ledger ADD COLUMN written_at timestamptz;      -- when the write call started; rollback compares field history with it
ALTER TABLE write_ledger ADD COLUMN stamp_for text;              -- set on a stamp row: the field it stamps (flow is null on stamp rows)
ALTER TABLE write_ledger ADD COLUMN rolled_back_by text;         -- the rollback run that restored this write
CREATE INDEX write_ledger_run_outcome ON write_ledger (run_id, outcome);
