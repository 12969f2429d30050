-- OAuth tokens per CRM connection, shared by every worker so exactly one of them refreshes.
CREATE TABLE oauth_tokens (
  connection text PRIMARY KEY,              -- crm kind + client id
  access_token text,
  refresh_token text NOT NULL,
  expires_at timestamptz,
  status text NOT NULL DEFAULT 'active',    -- active | revoked
  refreshes integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  revoked_reason text
);
