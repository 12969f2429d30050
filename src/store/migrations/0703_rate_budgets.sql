-- One rate budget per CRM connection, shared by every process that calls the CRM: each window's
-- policy and pause, the calls counted in it, and the CRM's own daily-allocation counters. Times
-- are ms since the epoch on the database's clock.
CREATE TABLE rate_budgets (
  budget text PRIMARY KEY,                  -- connection + window name (api, search)
  calls_per_window integer NOT NULL,         -- as configured
  window_ms integer NOT NULL,
  reported_calls integer,                   -- as the CRM last reported it (its headers): this wins
  reported_window_ms integer,
  paused_until bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE rate_slots (
  id bigserial PRIMARY KEY,
  budget text NOT NULL,
  expires_at bigint NOT NULL,               -- when the call stops counting in its window
  pending boolean NOT NULL DEFAULT true     -- admitted, its answer not in yet
);
CREATE INDEX rate_slots_budget ON rate_slots (budget, expires_at);
CREATE TABLE daily_allocations (
  connection text PRIMARY KEY,
  used bigint NOT NULL,
  max bigint NOT NULL,
  reset_at bigint,                          -- null: a rolling allocation
  observed_at bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
