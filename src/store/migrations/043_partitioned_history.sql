-- Partitioned history (issue 18, part 3): usage_record and ledger_entry are partitioned by month
-- (declarative RANGE partitioning on started_at / created_at), so a month's detail is one table
-- that can be summarised and dropped whole, and indexes stay the size of a month.
--
-- Month bounds are midnights in Moscow time (the operator's home zone; fixed at UTC+3), so
-- usage_record_202612 holds [2026-12-01 00:00+03, 2027-01-01 00:00+03). A row whose month has no
-- partition yet lands in the DEFAULT partition; history_partition() moves such rows into the
-- month's partition when it creates it. The history job (src/jobs/history.ts) creates partitions
-- ahead and drops detail past the retention (docs/history.md).
--
-- A unique key on a partitioned table must include the partition key, so the exact guarantees of
-- the old keys live in two small key tables that are not partitioned:
--  * usage_record_key (account_id, record_id): a statement-level trigger on usage_record inserts
--    every new record's key in the same statement, so a record already booked (in any month)
--    fails the INSERT on usage_record_key_pkey — the same exactly-once the old primary key gave,
--    with the same blocking on a concurrent insert of the same key.
--  * ledger_entry_key (account_id, idempotency_key): the one ledger write path inserts the key
--    first, ON CONFLICT DO NOTHING decides which entries are new, and only those are booked. The
--    balance trigger takes the key of any entry booked another way, failing on the key table when
--    an entry at another instant holds it; the partitions' own key (account_id, idempotency_key,
--    created_at) refuses a second entry at the same instant. Together: one entry per (account,
--    idempotency key), ever, whoever writes it.
-- Nothing holds a foreign key to either table (the billing write path replaced the keys they had
-- with statement triggers in 018), so no reference needs to follow the rows.

-- The month a partition starts, as an instant.
CREATE FUNCTION history_month_start(m date) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT (date_trunc('month', m)::date)::timestamp AT TIME ZONE 'Europe/Moscow'
$$;

-- Creates the month's partition of a history table if it is missing, moving into it any rows
-- that waited in the default partition. Returns whether it created one.
CREATE FUNCTION history_partition(parent text, m date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  month date := date_trunc('month', m)::date;
  name text := parent || '_' || to_char(date_trunc('month', m), 'YYYYMM');
  dflt text := parent || '_default';
  col text;
  lo timestamptz := history_month_start(month);
  hi timestamptz := history_month_start((month + interval '1 month')::date);
  waiting boolean;
BEGIN
  col := CASE parent WHEN 'usage_record' THEN 'started_at' WHEN 'ledger_entry' THEN 'created_at' END;
  IF col IS NULL THEN RAISE EXCEPTION 'not a history table: %', parent; END IF;
  IF to_regclass(name) IS NOT NULL THEN RETURN false; END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', dflt, col, col) INTO waiting USING lo, hi;
  IF NOT waiting THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
    RETURN true;
  END IF;
  -- The default partition is taken out while its rows of the month move: detached, it is a table
  -- of its own, without the ledger's append-only trigger, and inserting into the new partition
  -- directly fires none of the parent's statement triggers (those balances moved when the entries
  -- were booked).
  EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, dflt);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', name, parent, lo, hi);
  EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', dflt);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM moved',
                 dflt, col, col, name) USING lo, hi;
  EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', dflt);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', parent, dflt);
  RETURN true;
END $$;

-- ---------------------------------------------------------------------------------------------
-- usage_record
ALTER TABLE usage_record RENAME TO usage_record_old;
ALTER TABLE usage_record_old RENAME CONSTRAINT usage_record_pkey TO usage_record_old_pkey;
ALTER INDEX usage_record_subscriber_time RENAME TO usage_record_old_subscriber_time;
DROP TRIGGER usage_record_references ON usage_record_old;
DROP TRIGGER usage_record_owner_fixed ON usage_record_old;

-- Checks are named as they were on the old table (a generated name would take a suffix while the
-- old table still holds it), so later migrations address them by their usual names.
CREATE TABLE usage_record (
  account_id       bigint NOT NULL,
  id               bigint GENERATED ALWAYS AS IDENTITY,
  record_id        text NOT NULL,
  subscriber_id    bigint NOT NULL,
  kind             text NOT NULL CONSTRAINT usage_record_kind_check CHECK (kind IN ('voice', 'sms', 'mms', 'data')),
  zone             text NOT NULL CONSTRAINT usage_record_zone_check CHECK (zone IN ('home', 'intercity', 'roaming')),
  started_at       timestamptz NOT NULL,
  duration_seconds int CONSTRAINT usage_record_duration_seconds_check CHECK (duration_seconds >= 0),
  bytes            bigint CONSTRAINT usage_record_bytes_check CHECK (bytes >= 0),
  counterpart      text,
  billed_units     bigint NOT NULL,
  quota_units      bigint NOT NULL DEFAULT 0,
  consumed         jsonb NOT NULL DEFAULT '[]',
  charged          bigint NOT NULL DEFAULT 0,
  rated_at         timestamptz NOT NULL,
  refused          text CONSTRAINT usage_record_refused_check CHECK (refused IN ('SPENDING_CAP', 'ROAMING_CAP', 'DATA_CAP'))
) PARTITION BY RANGE (started_at);
CREATE TABLE usage_record_default PARTITION OF usage_record DEFAULT;
CREATE INDEX usage_record_subscriber_time ON usage_record(account_id, subscriber_id, started_at);

CREATE TABLE usage_record_key (
  account_id  bigint NOT NULL,
  record_id   text NOT NULL,
  started_at  timestamptz NOT NULL,
  PRIMARY KEY (account_id, record_id)
);

-- ---------------------------------------------------------------------------------------------
-- ledger_entry
ALTER TABLE ledger_entry RENAME TO ledger_entry_old;
ALTER TABLE ledger_entry_old RENAME CONSTRAINT ledger_entry_pkey TO ledger_entry_old_pkey;
ALTER INDEX ledger_entry_account_time RENAME TO ledger_entry_old_account_time;
DROP TRIGGER ledger_entry_apply ON ledger_entry_old;
DROP TRIGGER ledger_entry_immutable ON ledger_entry_old;

CREATE TABLE ledger_entry (
  account_id      bigint NOT NULL,
  id              bigint GENERATED ALWAYS AS IDENTITY,
  amount          bigint NOT NULL CONSTRAINT ledger_entry_amount_check CHECK (amount <> 0),
  currency        text NOT NULL DEFAULT 'RUB',
  kind            text NOT NULL CONSTRAINT ledger_entry_kind_check CHECK (kind IN ('payment', 'fee', 'usage', 'promised', 'bonus', 'refund', 'adjustment')),
  subscriber_id   bigint,
  product_code    text,
  reference       text,
  description     text,
  idempotency_key text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  category        text CONSTRAINT ledger_entry_category_check CHECK (category IN ('subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'promised', 'payment', 'bonus', 'other')),
  PRIMARY KEY (account_id, idempotency_key, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE ledger_entry_default PARTITION OF ledger_entry DEFAULT;
CREATE INDEX ledger_entry_account_time ON ledger_entry(account_id, created_at);

CREATE TABLE ledger_entry_key (
  account_id      bigint NOT NULL,
  idempotency_key text NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (account_id, idempotency_key)
);

-- ---------------------------------------------------------------------------------------------
-- The rows move: a partition for every month that has any, then the rows and their keys. The
-- triggers are created afterwards, so the copy moves no balance and books nothing twice.
SELECT history_partition('usage_record', m::date)
  FROM (SELECT DISTINCT date_trunc('month', started_at AT TIME ZONE 'Europe/Moscow') AS m FROM usage_record_old) x;
SELECT history_partition('ledger_entry', m::date)
  FROM (SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'Europe/Moscow') AS m FROM ledger_entry_old) x;

INSERT INTO usage_record (account_id, id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, counterpart,
                          billed_units, quota_units, consumed, charged, rated_at, refused)
  OVERRIDING SYSTEM VALUE
  SELECT account_id, id, record_id, subscriber_id, kind, zone, started_at, duration_seconds, bytes, counterpart,
         billed_units, quota_units, consumed, charged, rated_at, refused
    FROM usage_record_old;
INSERT INTO usage_record_key (account_id, record_id, started_at) SELECT account_id, record_id, started_at FROM usage_record_old;
SELECT setval(pg_get_serial_sequence('usage_record', 'id'), (SELECT max(id) FROM usage_record_old)) WHERE EXISTS (SELECT 1 FROM usage_record_old);

INSERT INTO ledger_entry (account_id, id, amount, currency, kind, subscriber_id, product_code, reference, description, idempotency_key, created_at, category)
  OVERRIDING SYSTEM VALUE
  SELECT account_id, id, amount, currency, kind, subscriber_id, product_code, reference, description, idempotency_key, created_at, category
    FROM ledger_entry_old;
INSERT INTO ledger_entry_key (account_id, idempotency_key, created_at) SELECT account_id, idempotency_key, created_at FROM ledger_entry_old;
SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), (SELECT max(id) FROM ledger_entry_old)) WHERE EXISTS (SELECT 1 FROM ledger_entry_old);

-- This month and the next two, as the history job keeps them.
SELECT history_partition(t, ((now() AT TIME ZONE 'Europe/Moscow')::date + make_interval(months => n))::date)
  FROM unnest(ARRAY['usage_record', 'ledger_entry']) AS t, generate_series(0, 2) AS n;

DROP TABLE usage_record_old;
DROP TABLE ledger_entry_old;

-- ---------------------------------------------------------------------------------------------
-- Triggers, as before, on the partitioned tables (row triggers are cloned to every partition).

-- A usage record's key is taken in the statement that books it: a second booking fails here.
CREATE FUNCTION usage_record_keys_take() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_record_key (account_id, record_id, started_at) SELECT account_id, record_id, started_at FROM new_rows;
  RETURN NULL;
END $$;
CREATE TRIGGER usage_record_key AFTER INSERT ON usage_record
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION usage_record_keys_take();
CREATE TRIGGER usage_record_references AFTER INSERT ON usage_record
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_rows_reference_check('subscriber');
CREATE TRIGGER usage_record_owner_fixed BEFORE UPDATE OF account_id, subscriber_id ON usage_record
  FOR EACH ROW EXECUTE FUNCTION billing_rows_owner_fixed();

-- The balance trigger of 018, and: every entry holds its key at its own instant.
CREATE OR REPLACE FUNCTION ledger_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted bigint;
  moved bigint;
BEGIN
  PERFORM 1 FROM account WHERE id IN (SELECT DISTINCT account_id FROM new_entries) ORDER BY id FOR NO KEY UPDATE;
  UPDATE account a SET balance = a.balance + n.total, updated_at = now()
    FROM (SELECT account_id, sum(amount) AS total FROM new_entries GROUP BY account_id) n
   WHERE a.id = n.account_id;
  GET DIAGNOSTICS moved = ROW_COUNT;
  SELECT count(DISTINCT account_id) INTO wanted FROM new_entries;
  IF moved <> wanted THEN
    RAISE EXCEPTION 'ledger entry for an account that does not exist' USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- An entry booked without taking its key first (any writer but postEntries) takes it here: a
  -- key already held by an entry at another instant fails the statement on ledger_entry_key_pkey.
  INSERT INTO ledger_entry_key (account_id, idempotency_key, created_at)
  SELECT n.account_id, n.idempotency_key, n.created_at FROM new_entries n
   WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_key k
                      WHERE k.account_id = n.account_id AND k.idempotency_key = n.idempotency_key AND k.created_at = n.created_at);
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_apply();
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable();

-- Keys are as immutable as the entries they guard.
CREATE TRIGGER ledger_entry_key_immutable BEFORE UPDATE OR DELETE ON ledger_entry_key
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable();

-- ---------------------------------------------------------------------------------------------
-- What dropped usage detail held, per number, local day (midnight in the number's region, as an
-- instant), kind and zone; filled in the transaction that drops a month's partition. A report over
-- a period adds these to the detail that is still kept: each record is counted in one or the other.
CREATE TABLE usage_daily (
  account_id       bigint NOT NULL,
  subscriber_id    bigint NOT NULL,
  day_start        timestamptz NOT NULL,
  kind             text NOT NULL,
  zone             text NOT NULL,
  records          bigint NOT NULL,
  duration_seconds bigint NOT NULL,
  bytes            bigint NOT NULL,
  billed_units     bigint NOT NULL,
  quota_units      bigint NOT NULL,
  charged          bigint NOT NULL,
  PRIMARY KEY (account_id, subscriber_id, day_start, kind, zone)
);

-- Where kept usage detail begins: records before this instant are only in usage_daily.
CREATE TABLE history_retention (
  table_name  text PRIMARY KEY,
  detail_from timestamptz NOT NULL
);
