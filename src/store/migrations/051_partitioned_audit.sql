-- The audit log is partitioned by month like the usage and ledger history of 043: audit_event
-- grows by a row for every action anyone takes, in every channel, for ever. Partitioned on `at`
-- (Moscow months, as 043), audit_event_YYYYMM holds a month; the history job makes partitions
-- ahead and drops whole months past AUDIT_RETENTION_MONTHS (docs/history.md).
--
-- Nothing refers to an audit event by id and nothing needs a unique key besides the id, which the
-- identity keeps unique; the primary key becomes (id, at), as a partitioned table's key must hold
-- the partition key.

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
  col := CASE parent WHEN 'usage_record' THEN 'started_at' WHEN 'ledger_entry' THEN 'created_at' WHEN 'audit_event' THEN 'at' END;
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

ALTER TABLE audit_event RENAME TO audit_event_old;
ALTER TABLE audit_event_old RENAME CONSTRAINT audit_event_pkey TO audit_event_old_pkey;
ALTER INDEX audit_event_subscriber RENAME TO audit_event_old_subscriber;
ALTER INDEX audit_event_customer RENAME TO audit_event_old_customer;
ALTER INDEX audit_event_at RENAME TO audit_event_old_at;

CREATE TABLE audit_event (
  id            bigint GENERATED ALWAYS AS IDENTITY,
  at            timestamptz NOT NULL,
  actor_kind    text NOT NULL,
  actor_id      text,
  channel       text NOT NULL,
  action        text NOT NULL,
  subscriber_id bigint,
  customer_id   bigint,
  outcome       text NOT NULL DEFAULT 'ok',
  details       jsonb NOT NULL DEFAULT '{}',
  request_id    text,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT;
CREATE INDEX audit_event_subscriber ON audit_event(subscriber_id, at DESC);
CREATE INDEX audit_event_customer ON audit_event(customer_id, at DESC);
CREATE INDEX audit_event_at ON audit_event(at DESC);

-- A partition for every month that has events, then the events, keeping their ids.
SELECT history_partition('audit_event', m::date)
  FROM (SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'Europe/Moscow') AS m FROM audit_event_old) x;
INSERT INTO audit_event (id, at, actor_kind, actor_id, channel, action, subscriber_id, customer_id, outcome, details, request_id)
  OVERRIDING SYSTEM VALUE
  SELECT id, at, actor_kind, actor_id, channel, action, subscriber_id, customer_id, outcome, details, request_id FROM audit_event_old;
SELECT setval(pg_get_serial_sequence('audit_event', 'id'), (SELECT max(id) FROM audit_event_old)) WHERE EXISTS (SELECT 1 FROM audit_event_old);

-- This month and the next two, as the history job keeps them.
SELECT history_partition('audit_event', ((now() AT TIME ZONE 'Europe/Moscow')::date + make_interval(months => n))::date)
  FROM generate_series(0, 2) AS n;

DROP TABLE audit_event_old;
