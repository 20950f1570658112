-- Balances move once per statement instead of once per ledger row: a batch of a thousand usage
-- charges or daily fees updates each account once, by the sum of its new entries. The accounts
-- are locked in id order first, so two batches over the same accounts cannot deadlock. The guard
-- on account.balance is unchanged: only this trigger (depth 2) may move a balance.
CREATE FUNCTION ledger_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM account WHERE id IN (SELECT DISTINCT account_id FROM new_entries) ORDER BY id FOR NO KEY UPDATE;
  UPDATE account a SET balance = a.balance + n.total, updated_at = now()
    FROM (SELECT account_id, sum(amount) AS total FROM new_entries GROUP BY account_id) n
   WHERE a.id = n.account_id;
  RETURN NULL;
END $$;

DROP TRIGGER ledger_entry_apply ON ledger_entry;
DROP FUNCTION ledger_entry_apply();
CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_apply();
