-- Indexes for the TMF lists the store pages and filters (docs/tmf.md), so that a filter a client
-- uses on a large table, or a page of one kind of row in id order, reads the index, not the table.

-- TMF632 individual / organization: one kind of customer in id order; by INN, e-mail,
-- family name, or a contact phone (party.phones).
CREATE INDEX customer_kind ON customer (kind, id);
CREATE INDEX customer_inn ON customer (inn) WHERE inn IS NOT NULL;
CREATE INDEX customer_email ON customer (email) WHERE email IS NOT NULL;
CREATE INDEX customer_family_name ON customer ((party->>'familyName'));
CREATE INDEX customer_phones ON customer USING gin ((party->'phones'));

-- TMF681 communicationMessage's indexes are on the partitioned SMS history (054).

-- TMF678 customerBillOnDemand: newest first, and by customer.
CREATE INDEX bill_on_demand_created ON bill_on_demand (created_at DESC, id DESC);
CREATE INDEX bill_on_demand_customer ON bill_on_demand (customer_id, created_at DESC);
