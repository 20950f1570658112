-- TMF676 tells its hub listeners when a payment's status changes (the provider's webhook settles
-- it after the create answer): the status last told, so each change is told once. Payments that
-- exist now have been told nothing and need not be: they start as told.
ALTER TABLE payment ADD COLUMN tmf_told_status text NOT NULL DEFAULT 'pending';
UPDATE payment SET tmf_told_status = status;
CREATE INDEX payment_tmf_untold ON payment (id) WHERE status <> tmf_told_status;
