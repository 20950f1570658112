-- The fee run walks due accounts in account order; these let it find the next due ones by index
-- instead of scanning every subscriber and product for each batch.
CREATE INDEX subscriber_tariff_due ON subscriber(account_id, tariff_next_charge_at) WHERE tariff_next_charge_at IS NOT NULL;
CREATE INDEX product_instance_due ON product_instance(account_id, next_charge_at) WHERE status = 'active' AND next_charge_at IS NOT NULL;
CREATE INDEX product_instance_suspended ON product_instance(account_id) WHERE status = 'suspended';
