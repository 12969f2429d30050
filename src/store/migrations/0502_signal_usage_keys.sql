-- The identity keys each usage event aggregates under (email:<canonical>, domain:<d> | account:<id>).
ALTER TABLE signal_usage_events ADD COLUMN contact_key text;
ALTER TABLE signal_usage_events ADD COLUMN company_key text;
CREATE INDEX signal_usage_events_contact ON signal_usage_events (source, contact_key);
CREATE INDEX signal_usage_events_company ON signal_usage_events (source, company_key);
