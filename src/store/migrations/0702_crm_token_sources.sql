-- Which configured refresh token seeded a connection's grant (its SHA-256, never the token): a
-- different token in the config later is a re-authorisation. Token values are sealed by the store's
-- secret key (store/secrets.ts); rows written before that are sealed on first use.
ALTER TABLE oauth_tokens ADD COLUMN source_hash text;
