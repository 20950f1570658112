-- A ledger entry is known by its account and its idempotency key: that pair becomes the primary
-- key, and the separate key on (account_id, id) goes. Every charge wrote three index entries
-- (primary key, idempotency key, account/time); now two. Nothing looks an entry up by its internal
-- id alone: the TM Forum id `<account>-<id>` is found within its account, and statements page by
-- (created_at, id) on the account/time index.
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_pkey;
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_account_id_idempotency_key_key;
ALTER TABLE ledger_entry ADD PRIMARY KEY (account_id, idempotency_key);
