-- The SMS history is partitioned by month like the usage, ledger and audit history of 043 and 051:
-- sms_message grows by a row for every message in and out (notices, replies, operator mailings).
-- Partitioned on created_at (Moscow months), sms_message_YYYYMM holds a month; the history job
-- makes partitions ahead and drops whole months past SMS_RETENTION_MONTHS (docs/history.md).
--
-- The primary key becomes (id, created_at), as a partitioned table's key must hold the partition
-- key; the identity keeps ids unique, and every lookup by id (the outbox's claims and marks, the
-- delivery reports) is served by that key's index in each partition. Nothing holds a foreign key
-- to a message: a reply is named in its message's meta, an operator mailing by its first id.
--
-- An incoming message counted once (the SMSC's message id, per short code and number) was a
-- unique index over the whole table; it now lives in a small key table that is not partitioned,
-- sms_mo_key (short_code, msisdn, smsc_id), as usage_record_key keeps usage records once:
--  * the one incoming write path (record-incoming-sms.ts) takes the key with ON CONFLICT DO NOTHING
--    and records the message only when it took it, in the same statement; a concurrent delivery of
--    the same message waits on the key and records nothing, as it did on the unique index;
--  * any other writer has its key taken by a row trigger, which fails on sms_mo_key_pkey when
--    a message at another instant holds it; the partitions' unique index (short_code, msisdn,
--    smsc_id, created_at) refuses a second one at the same instant.
-- A month's keys go with its partition when the history job drops it.

CREATE OR REPLACE FUNCTION history_partition(parent text, m date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  month date := date_trunc('month', m)::date;
  name text := parent || '_' || to_char(date_trunc('month', m), 'YYYYMM');
  dflt text := parent || '_default';
  col text;
  lo timestamptz := history_month_start(month);
  hi timestamptz := history_month_start((month + interval '1 month')::date);
  waiting boolean;
BEGIN
  col := CASE parent WHEN 'usage_record' THEN 'started_at' WHEN 'ledger_entry' THEN 'created_at' WHEN 'audit_event' THEN 'at'
                     WHEN 'sms_message' THEN 'created_at' END;
  IF col IS NULL THEN RAISE EXCEPTION 'not a history table: %', parent; END IF;
  IF to_regclass(name) IS NOT NULL THEN RETURN false; END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', dflt, col, col) INTO waiting USING lo, hi;
  IF NOT waiting THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
    RETURN true;
  END IF;
  -- As in 043: the default partition is detached while its rows of the month move.
  EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, dflt);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
  EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', dflt);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM moved',
                 dflt, col, col, name) USING lo, hi;
  EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', dflt);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', parent, dflt);
  RETURN true;
END $$;

ALTER TABLE sms_message RENAME TO sms_message_old;
ALTER TABLE sms_message_old RENAME CONSTRAINT sms_message_pkey TO sms_message_old_pkey;
ALTER INDEX sms_message_msisdn RENAME TO sms_message_old_msisdn;
ALTER INDEX sms_message_mo_once RENAME TO sms_message_old_mo_once;
ALTER INDEX sms_message_outbox RENAME TO sms_message_old_outbox;
ALTER INDEX sms_message_mo_unhandled RENAME TO sms_message_old_mo_unhandled;
ALTER INDEX sms_message_gateway_refs RENAME TO sms_message_old_gateway_refs;

-- Columns in the old table's order (history_partition moves rows with SELECT *).
CREATE TABLE sms_message (
  id              bigint GENERATED ALWAYS AS IDENTITY,
  direction       text NOT NULL CONSTRAINT sms_message_direction_check CHECK (direction IN ('mo', 'mt')),
  msisdn          text NOT NULL,
  short_code      text NOT NULL,
  text            text NOT NULL,
  status          text NOT NULL DEFAULT 'queued',
  created_at      timestamptz NOT NULL DEFAULT now(),
  meta            jsonb NOT NULL DEFAULT '{}',
  smsc_id         text,
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE sms_message_default PARTITION OF sms_message DEFAULT;
CREATE INDEX sms_message_msisdn ON sms_message(msisdn, id DESC);
CREATE UNIQUE INDEX sms_message_mo_once ON sms_message(short_code, msisdn, smsc_id, created_at) WHERE direction = 'mo' AND smsc_id IS NOT NULL;
CREATE INDEX sms_message_outbox ON sms_message(id) WHERE direction = 'mt' AND status IN ('queued', 'sending');
CREATE INDEX sms_message_mo_unhandled ON sms_message(created_at) WHERE direction = 'mo' AND status IN ('received', 'recovering');
CREATE INDEX sms_message_gateway_refs ON sms_message USING gin (sms_gateway_refs(meta)) WHERE direction = 'mt';
-- TMF681 communicationMessage: the messages' first rows newest first, and a message's rows by the
-- message (meta.group; a row from before groups is its own). Only the outbox rows of TMF681
-- messages (`operator_message`), as the list names them.
CREATE INDEX sms_message_operator_head ON sms_message (id)
  WHERE direction = 'mt' AND meta->>'kind' = 'operator_message' AND COALESCE((meta->>'group')::bigint, id) = id;
CREATE INDEX sms_message_operator_group ON sms_message ((COALESCE((meta->>'group')::bigint, id)))
  WHERE direction = 'mt' AND meta->>'kind' = 'operator_message';

CREATE TABLE sms_mo_key (
  short_code  text NOT NULL,
  msisdn      text NOT NULL,
  smsc_id     text NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (short_code, msisdn, smsc_id)
);
CREATE INDEX sms_mo_key_created ON sms_mo_key(created_at);

-- A partition for every month that has messages, then the messages and their keys, ids kept.
SELECT history_partition('sms_message', m::date)
  FROM (SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'Europe/Moscow') AS m FROM sms_message_old) x;
INSERT INTO sms_message (id, direction, msisdn, short_code, text, status, created_at, meta, smsc_id, attempts, next_attempt_at)
  OVERRIDING SYSTEM VALUE
  SELECT id, direction, msisdn, short_code, text, status, created_at, meta, smsc_id, attempts, next_attempt_at FROM sms_message_old;
INSERT INTO sms_mo_key (short_code, msisdn, smsc_id, created_at)
  SELECT short_code, msisdn, smsc_id, created_at FROM sms_message_old WHERE direction = 'mo' AND smsc_id IS NOT NULL;
SELECT setval(pg_get_serial_sequence('sms_message', 'id'), (SELECT max(id) FROM sms_message_old)) WHERE EXISTS (SELECT 1 FROM sms_message_old);

-- This month and the next two, as the history job keeps them.
SELECT history_partition('sms_message', ((now() AT TIME ZONE 'Europe/Moscow')::date + make_interval(months => n))::date)
  FROM generate_series(0, 2) AS n;

DROP TABLE sms_message_old;

-- An incoming message written without taking its key first takes it here: a key held by a message
-- at another instant fails the statement on sms_mo_key_pkey. A row trigger with a condition, so an
-- outgoing message (most of them) costs nothing more than the condition.
CREATE FUNCTION sms_mo_key_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sms_mo_key (short_code, msisdn, smsc_id, created_at)
  SELECT NEW.short_code, NEW.msisdn, NEW.smsc_id, NEW.created_at
   WHERE NOT EXISTS (SELECT 1 FROM sms_mo_key k
                      WHERE k.short_code = NEW.short_code AND k.msisdn = NEW.msisdn AND k.smsc_id = NEW.smsc_id AND k.created_at = NEW.created_at);
  RETURN NULL;
END $$;
CREATE TRIGGER sms_mo_key AFTER INSERT ON sms_message
  FOR EACH ROW WHEN (NEW.direction = 'mo' AND NEW.smsc_id IS NOT NULL) EXECUTE FUNCTION sms_mo_key_take();
