-- A usage record is known by its account and the network's record id: that pair becomes the
-- primary key, and the separate key on (account_id, id) goes. Every batch of a usage import wrote
-- three index entries per record (primary key, record-id key, subscriber/time); now two. Nothing
-- looks a record up by its internal id alone: the TM Forum id `<account>-<id>` is found within
-- its account, and the detail list pages by (started_at, id) on the subscriber/time index.
ALTER TABLE usage_record DROP CONSTRAINT usage_record_pkey;
ALTER TABLE usage_record DROP CONSTRAINT usage_record_account_id_record_id_key;
ALTER TABLE usage_record ADD PRIMARY KEY (account_id, record_id);
