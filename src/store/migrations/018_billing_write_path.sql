-- The billing write path (issue 3): rows that usage rating and the fee run write by the thousand
-- no longer carry row-by-row foreign-key triggers. A foreign key checks every inserted row with a
-- query of its own that also takes a KEY SHARE lock on the account or subscriber; on a batch of a
-- thousand usage records that was more than half of the insert (EXPLAIN ANALYZE: 52 of 88 ms for
-- usage_record, 113 of 164 ms for 3,000 quota rows, 34 of 52 ms for a thousand bonus lots).
--
-- What the keys guaranteed stays true, checked once per statement instead of once per row:
--  * every inserted row names an existing account (and subscriber, where the table has one): a
--    statement-level trigger over the transition table raises otherwise, so the statement fails;
--  * for ledger_entry the balance trigger does it in the same pass: it counts the accounts it
--    moved and raises when an entry names an account that does not exist, so account.balance =
--    Σ ledger_entry.amount cannot be broken by an entry nobody's balance holds;
--  * those columns never change afterwards (ledger entries are immutable already; the others get
--    a guard that fires only when an UPDATE names account_id or subscriber_id);
--  * an account or subscriber that such rows point to cannot be deleted (a guard on DELETE, like
--    the keys' NO ACTION). Nothing in the application deletes either.
-- test/integration/billing-write-guards.test.ts proves each of these on both stores.

ALTER TABLE usage_record DROP CONSTRAINT usage_record_account_id_fkey;
ALTER TABLE usage_record DROP CONSTRAINT usage_record_subscriber_id_fkey;
ALTER TABLE ledger_entry DROP CONSTRAINT ledger_entry_account_id_fkey;
ALTER TABLE quota DROP CONSTRAINT quota_account_id_fkey;
ALTER TABLE quota DROP CONSTRAINT quota_subscriber_id_fkey;
ALTER TABLE bonus_lot DROP CONSTRAINT bonus_lot_account_id_fkey;
ALTER TABLE bonus_lot DROP CONSTRAINT bonus_lot_subscriber_id_fkey;
ALTER TABLE bonus_entry DROP CONSTRAINT bonus_entry_account_id_fkey;

-- The ledger: balances move by the sum of the statement's entries (as in 015), and every entry's
-- account must be one that moved.
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
  RETURN NULL;
END $$;

-- The others: one anti-join per statement.
CREATE FUNCTION billing_rows_reference_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT account_id FROM new_rows) n WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.id = n.account_id)) THEN
    RAISE EXCEPTION '% row for an account that does not exist', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF TG_ARGV[0] = 'subscriber' AND EXISTS (
       SELECT 1 FROM (SELECT DISTINCT subscriber_id FROM new_rows) n
        WHERE n.subscriber_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM subscriber s WHERE s.id = n.subscriber_id)) THEN
    RAISE EXCEPTION '% row for a subscriber that does not exist', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER usage_record_references AFTER INSERT ON usage_record
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_rows_reference_check('subscriber');
CREATE TRIGGER quota_references AFTER INSERT ON quota
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_rows_reference_check('subscriber');
CREATE TRIGGER bonus_lot_references AFTER INSERT ON bonus_lot
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_rows_reference_check('subscriber');
CREATE TRIGGER bonus_entry_references AFTER INSERT ON bonus_entry
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION billing_rows_reference_check('account');

CREATE FUNCTION billing_rows_owner_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the account and subscriber of a % row do not change', TG_TABLE_NAME;
END $$;
CREATE TRIGGER usage_record_owner_fixed BEFORE UPDATE OF account_id, subscriber_id ON usage_record
  FOR EACH ROW EXECUTE FUNCTION billing_rows_owner_fixed();
CREATE TRIGGER quota_owner_fixed BEFORE UPDATE OF account_id, subscriber_id ON quota
  FOR EACH ROW EXECUTE FUNCTION billing_rows_owner_fixed();
CREATE TRIGGER bonus_lot_owner_fixed BEFORE UPDATE OF account_id, subscriber_id ON bonus_lot
  FOR EACH ROW EXECUTE FUNCTION billing_rows_owner_fixed();
CREATE TRIGGER bonus_entry_owner_fixed BEFORE UPDATE OF account_id ON bonus_entry
  FOR EACH ROW EXECUTE FUNCTION billing_rows_owner_fixed();

-- Deleting an account or subscriber that these rows point to fails, as it did with the keys.
CREATE FUNCTION account_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ledger_entry WHERE account_id = OLD.id) OR EXISTS (SELECT 1 FROM usage_record WHERE account_id = OLD.id)
     OR EXISTS (SELECT 1 FROM quota WHERE account_id = OLD.id) OR EXISTS (SELECT 1 FROM bonus_lot WHERE account_id = OLD.id)
     OR EXISTS (SELECT 1 FROM bonus_entry WHERE account_id = OLD.id) THEN
    RAISE EXCEPTION 'account % still has ledger, usage, quota or bonus rows', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER account_delete_guard BEFORE DELETE ON account FOR EACH ROW EXECUTE FUNCTION account_delete_guard();

CREATE FUNCTION subscriber_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM usage_record WHERE account_id = OLD.account_id AND subscriber_id = OLD.id)
     OR EXISTS (SELECT 1 FROM quota WHERE account_id = OLD.account_id AND subscriber_id = OLD.id)
     OR EXISTS (SELECT 1 FROM bonus_lot WHERE account_id = OLD.account_id AND subscriber_id = OLD.id) THEN
    RAISE EXCEPTION 'subscriber % still has usage, quota or bonus rows', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER subscriber_delete_guard BEFORE DELETE ON subscriber FOR EACH ROW EXECUTE FUNCTION subscriber_delete_guard();

-- The balance guard (001) called a PL/pgSQL function for every account row the ledger trigger
-- moved, only to find it was called from that trigger. The same rule as a WHEN condition:
-- evaluated before the trigger fires, where pg_trigger_depth() is the depth of the UPDATE itself
-- (0 for a statement someone sent, 1 for the ledger trigger's). Same outcome, no call per row.
DROP TRIGGER account_balance_guard ON account;
CREATE OR REPLACE FUNCTION account_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'account balance changes only through ledger entries';
END $$;
CREATE TRIGGER account_balance_guard BEFORE UPDATE ON account
  FOR EACH ROW WHEN (NEW.balance <> OLD.balance AND pg_trigger_depth() < 1) EXECUTE FUNCTION account_balance_guard();
