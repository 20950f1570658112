-- Indexes for the TMF lists the store pages and filters (docs/tmf.md), so that a filter a client
-- uses on a large table, or a page of one kind of row in id order, reads the index, not the table.

-- TMF632 individual / organization: one kind of customer in id order; by name, INN, e-mail,
-- family name, or a contact phone (party.phones).
CREATE INDEX customer_kind ON customer (kind, id);
CREATE INDEX customer_name ON customer (name);
CREATE INDEX customer_inn ON customer (inn) WHERE inn IS NOT NULL;
CREATE INDEX customer_email ON customer (email) WHERE email IS NOT NULL;
CREATE INDEX customer_family_name ON customer ((party->>'familyName'));
CREATE INDEX customer_phones ON customer USING gin ((party->'phones'));
