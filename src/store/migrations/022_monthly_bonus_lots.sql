-- Bonus points accrue into one lot per account and calendar month (UTC), with one `earn` entry in
-- the points history that grows with it, the way operators show "points for November". Before,
-- every batch of charges (a usage import, a fee run) wrote a new lot and a new entry for every
-- account it charged: a daily-fee subscriber gained 365 lots a year, a busy one thousands, and
-- every batch paid for two new rows and six index entries per account.
--
-- A month's lot expires at the start of the month `expiryMonths` (12) after the month following
-- it: points of November 2026 expire on 1 December 2027, 00:00 UTC — each point lives at least
-- twelve full months. Lots written before this migration keep their own expiry.
--
-- Earning now updates a row that exists for most of the month. An UPDATE that changes no indexed
-- column is heap-only (no new index entries), so the lot's indexes no longer name `remaining`:
--  * bonus_lot_open (account_id, earned_at) WHERE remaining > 0 is dropped: an account has a
--    dozen live lots at most, found by the primary key's account_id prefix;
--  * bonus_lot_expiry is now WHERE expired_at IS NULL: the expiry job marks every lot it has
--    passed, spent-out ones too, so the index holds only lots still to be judged.
DROP INDEX bonus_lot_open;
DROP INDEX bonus_lot_expiry;
CREATE INDEX bonus_lot_expiry ON bonus_lot(expires_at) WHERE expired_at IS NULL;
ALTER TABLE bonus_lot SET (fillfactor = 70);
ALTER TABLE bonus_entry SET (fillfactor = 70);

-- The points history stays append-only, except that a month's `earn` entry may grow (its points
-- only up, nothing else changed). The condition is checked by the trigger's WHEN, without a call.
DROP TRIGGER bonus_entry_immutable ON bonus_entry;
CREATE TRIGGER bonus_entry_immutable BEFORE DELETE ON bonus_entry
  FOR EACH ROW EXECUTE FUNCTION bonus_entry_immutable();
CREATE TRIGGER bonus_entry_grows_only BEFORE UPDATE ON bonus_entry
  FOR EACH ROW WHEN (NOT (
    OLD.kind = 'earn' AND NEW.kind = 'earn' AND NEW.points > OLD.points
    AND NEW.account_id = OLD.account_id AND NEW.id = OLD.id
    AND NEW.idempotency_key = OLD.idempotency_key
    AND NEW.subscriber_id IS NOT DISTINCT FROM OLD.subscriber_id
    AND NEW.lot_id IS NOT DISTINCT FROM OLD.lot_id
    AND NEW.reference IS NOT DISTINCT FROM OLD.reference
    AND NEW.reward_code IS NOT DISTINCT FROM OLD.reward_code
    AND NEW.lots IS NOT DISTINCT FROM OLD.lots
    AND NEW.created_at = OLD.created_at))
  EXECUTE FUNCTION bonus_entry_immutable();
