-- What each account has spent in each calendar month of its number's region, kept by the ledger
-- itself. Rating judges the monthly and roaming caps against the month's spending for every number
-- of every batch; summing the month's charges from ledger_entry made that cost grow with the
-- month (a number's thousandth charge of the month summed the 999 before it, for every batch it
-- was in). The balance trigger now adds each statement's charges to the month's row in the same
-- statement, so the row is exact whenever the balance is, and reading it is one key probe.
--
-- month_start is the first of the month at midnight in the region of the account's number (one
-- number per account, migration 024; an account without a number counts Moscow months) when the
-- charge was booked. A reader asks for the rows within 14 hours of the month's start in the
-- number's region now, which finds the month's row whatever zone the number was in when it was
-- charged. spent counts every negative entry (what the caps have always counted), roaming_spent
-- those of the roaming category. `abonent verify` checks the rows against the ledger.

CREATE TABLE account_month_spend (
  account_id    bigint NOT NULL,
  month_start   timestamptz NOT NULL,
  spent         bigint NOT NULL DEFAULT 0,
  roaming_spent bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, month_start)
);

INSERT INTO account_month_spend (account_id, month_start, spent, roaming_spent)
SELECT e.account_id, date_trunc('month', e.created_at AT TIME ZONE z.tz) AT TIME ZONE z.tz, sum(-e.amount),
       coalesce(sum(-e.amount) FILTER (WHERE e.category = 'roaming'), 0)
  FROM ledger_entry e
  LEFT JOIN subscriber n ON n.account_id = e.account_id LEFT JOIN region r ON r.code = n.region_code
 CROSS JOIN LATERAL (SELECT coalesce(r.time_zone, 'Europe/Moscow') AS tz) z
 WHERE e.amount < 0
 GROUP BY 1, 2;

-- The balance trigger of 043, and the month's spending.
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
  -- The charges, added to their month (accounts already locked above, in id order).
  INSERT INTO account_month_spend AS s (account_id, month_start, spent, roaming_spent)
  SELECT c.account_id, date_trunc('month', c.created_at AT TIME ZONE c.z) AT TIME ZONE c.z, sum(-c.amount),
         coalesce(sum(-c.amount) FILTER (WHERE c.category = 'roaming'), 0)
    FROM (SELECT n.account_id, n.amount, n.category, n.created_at, coalesce(r.time_zone, 'Europe/Moscow') AS z
            FROM new_entries n LEFT JOIN subscriber sub ON sub.account_id = n.account_id LEFT JOIN region r ON r.code = sub.region_code
           WHERE n.amount < 0) c
   GROUP BY 1, 2
   ORDER BY 1, 2
  ON CONFLICT (account_id, month_start) DO UPDATE SET spent = s.spent + excluded.spent, roaming_spent = s.roaming_spent + excluded.roaming_spent;
  RETURN NULL;
END $$;
