-- A payment keeps a hash of the request its idempotency key came with: the same key with another
-- amount (or card, or return page) is refused instead of answered with the first payment.
ALTER TABLE payment ADD COLUMN request_hash text;

-- The sandbox acquirer is idempotent on the merchant's payment id, as real ones are (YooKassa's
-- Idempotence-Key): a repeated create or charge returns the first payment, never a second one.
ALTER TABLE sandbox_payment ADD COLUMN merchant_key text;
ALTER TABLE sandbox_payment ADD COLUMN failure_reason text;
CREATE UNIQUE INDEX sandbox_payment_merchant_key ON sandbox_payment(merchant_key);
