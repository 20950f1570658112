-- What an operator API key may do (docs/tmf.md#api-key-scopes): `read` (every GET of the TM Forum
-- APIs and their event listeners) and `<area>:write` for the writes of one area (party, payment…).
-- NULL is every scope, as every key had before scopes existed; a key with scopes is also kept to
-- the TM Forum APIs.
ALTER TABLE api_key ADD COLUMN scopes text[];
