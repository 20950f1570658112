-- Billing speed, round 2 (issue 3): the rows the fee run and usage rating UPDATE by the thousand
-- are updated in place (PostgreSQL's heap-only-tuple updates) instead of as new row versions that
-- every index of the table has to point to again.
--
-- An UPDATE is heap-only when it changes no indexed column and the row's page has room for the new
-- version. Both conditions were missing:
--  * subscriber.tariff_next_charge_at, which the fee run moves for every subscriber every day, was
--    indexed (subscriber_tariff_due, 008), so each move wrote a new entry into all eight indexes of
--    the wide subscriber row. The fee run's due scan walks subscriber_account (account order) and
--    checks the date on the row instead: a run reads each subscriber once in all, as before.
--  * account.balance, which the ledger trigger moves for every charged account, was part of
--    account_pool (016). The pool's debt is summed over a contract's few accounts, which the index
--    on pool_contract_id alone finds just as well.
-- A lower fillfactor leaves room on each page for the next versions (new pages; existing ones get
-- it as they are rewritten).
DROP INDEX subscriber_tariff_due;
ALTER TABLE subscriber SET (fillfactor = 50);

DROP INDEX account_pool;
CREATE INDEX account_pool ON account(pool_contract_id) WHERE pool_contract_id IS NOT NULL;
ALTER TABLE account SET (fillfactor = 50);

-- bonus_entry's primary key (account_id, id) already serves "an account's entries, newest first"
-- (a B-tree is read backwards); this copy of it was only a cost on every points entry written.
DROP INDEX bonus_entry_account_time;

-- The statement-level triggers of 015 and 018 joined their transition table to account and
-- subscriber. The planner knows nothing of a transition table's size, and for a thousand rows it
-- hashed the WHOLE account (or subscriber) table once per statement: a cost that grew with the
-- number of subscribers, paid on every batch of a fee run or a usage import (EXPLAIN ANALYZE at
-- 20,000 subscribers: 12.5 ms of the ledger insert's 21 ms, 8 of the bonus lots' 25 ms). The same
-- checks now look the rows up by key: the distinct ids go into an array first, and `= ANY(array)`
-- is an index probe per id, whatever the table's size.
CREATE OR REPLACE FUNCTION ledger_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  totals bigint[];
  moved bigint;
BEGIN
  SELECT array_agg(account_id ORDER BY account_id), array_agg(total ORDER BY account_id) INTO ids, totals
    FROM (SELECT account_id, sum(amount)::bigint AS total FROM new_entries GROUP BY account_id) n;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  -- In id order, so two batches over the same accounts cannot deadlock (as in 015).
  PERFORM 1 FROM account WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE account a SET balance = a.balance + n.total, updated_at = now()
    FROM unnest(ids, totals) AS n(account_id, total)
   WHERE a.id = ANY(ids) AND a.id = n.account_id;
  GET DIAGNOSTICS moved = ROW_COUNT;
  IF moved <> cardinality(ids) THEN
    RAISE EXCEPTION 'ledger entry for an account that does not exist' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION billing_rows_reference_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  SELECT array_agg(DISTINCT account_id) INTO ids FROM new_rows;
  IF ids IS NOT NULL AND (SELECT count(*) FROM account WHERE id = ANY(ids)) <> cardinality(ids) THEN
    RAISE EXCEPTION '% row for an account that does not exist', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_ARGV[0] = 'subscriber' THEN
    SELECT array_agg(DISTINCT subscriber_id) INTO ids FROM new_rows WHERE subscriber_id IS NOT NULL;
    IF ids IS NOT NULL AND (SELECT count(*) FROM subscriber WHERE id = ANY(ids)) <> cardinality(ids) THEN
      RAISE EXCEPTION '% row for a subscriber that does not exist', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  RETURN NULL;
END $$;
