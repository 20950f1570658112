-- TM Forum Open API facade: what the catalog, ledger and usage tables do not already hold.

-- TMF620 resources without a native table (category, catalog, productSpecification,
-- productOfferingPrice), and TM Forum attributes of catalog products (kind 'productOffering').
CREATE TABLE tmf_resource (
  kind        text NOT NULL,
  id          text NOT NULL,
  body        jsonb NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (kind, id)
);

-- Built-in categories: the kinds of catalog products, and tariffs. The one catalog holds them all.
INSERT INTO tmf_resource (kind, id, body, updated_at) VALUES
  ('category', 'tariff', '{"name": "Tariff plans", "isRoot": true, "lifecycleStatus": "Active", "version": "1.0"}', now()),
  ('category', 'option', '{"name": "Options", "isRoot": true, "lifecycleStatus": "Active", "version": "1.0"}', now()),
  ('category', 'subscription', '{"name": "Subscriptions", "isRoot": true, "lifecycleStatus": "Active", "version": "1.0"}', now()),
  ('category', 'service', '{"name": "Services", "isRoot": true, "lifecycleStatus": "Active", "version": "1.0"}', now()),
  ('category', 'package', '{"name": "Packages", "isRoot": true, "lifecycleStatus": "Active", "version": "1.0"}', now()),
  ('catalog', 'abonent', '{"name": "Abonent catalog", "catalogType": "product", "lifecycleStatus": "Active", "version": "1.0",
     "category": [{"id": "tariff"}, {"id": "option"}, {"id": "subscription"}, {"id": "service"}, {"id": "package"}]}', now());

-- Event subscriptions of every API (/hub).
CREATE TABLE tmf_hub (
  id          text PRIMARY KEY,
  api         text NOT NULL,
  callback    text NOT NULL,
  query       text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tmf_hub_api ON tmf_hub(api);

-- TMF654 topupBalance / adjustBalance requests; the money itself is in ledger_entry.
CREATE TABLE tmf_balance_action (
  account_id  bigint NOT NULL REFERENCES account(id),
  id          text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('topupBalance', 'adjustBalance')),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  amount      bigint NOT NULL,
  entry_id    bigint NOT NULL,
  body        jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX tmf_balance_action_id ON tmf_balance_action(id);

-- TMF622 product orders with the outcome of each item.
CREATE TABLE tmf_product_order (
  id          text PRIMARY KEY,
  subscriber_id bigint REFERENCES subscriber(id),
  state       text NOT NULL,
  request     jsonb NOT NULL,
  items       jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
