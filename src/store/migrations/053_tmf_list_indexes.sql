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

-- TMF681 communicationMessage: the messages' first rows newest first, and a message's rows by the
-- message (meta.group; a row from before groups is its own). Only the outbox rows of TMF681
-- messages (`operator_message`), as the list names them.
CREATE INDEX sms_message_operator_head ON sms_message (id)
  WHERE direction = 'mt' AND meta->>'kind' = 'operator_message' AND COALESCE((meta->>'group')::bigint, id) = id;
CREATE INDEX sms_message_operator_group ON sms_message ((COALESCE((meta->>'group')::bigint, id)))
  WHERE direction = 'mt' AND meta->>'kind' = 'operator_message';

-- TMF678 customerBillOnDemand: newest first, and by customer.
CREATE INDEX bill_on_demand_created ON bill_on_demand (created_at DESC, id DESC);
CREATE INDEX bill_on_demand_customer ON bill_on_demand (customer_id, created_at DESC);
