-- Business portal ("virtual manager"): contract policies, spending limits, bulk operations,
-- SIM and number orders, the number pool and monthly reports of a business customer.

-- Whether an order needs a second admin's approval (the creator can never approve their own).
ALTER TABLE customer ADD COLUMN order_approval boolean NOT NULL DEFAULT false;

-- The corporate trust limit of a contract (applied to each of its numbers' accounts) and the
-- allowed-services filter: no content subscriptions, and/or named products refused.
ALTER TABLE contract ADD COLUMN credit_limit bigint NOT NULL DEFAULT 0 CHECK (credit_limit >= 0);
ALTER TABLE contract ADD COLUMN deny_content boolean NOT NULL DEFAULT false;
ALTER TABLE contract ADD COLUMN denied_products text[] NOT NULL DEFAULT '{}';

CREATE INDEX subscriber_customer_department ON subscriber(customer_id, department_id);
CREATE INDEX subscriber_contract ON subscriber(contract_id);
CREATE INDEX department_customer ON department(customer_id);

-- A number's monthly spending limit: what counts (tariff: tariff fees and usage; extras: products;
-- both) and what happens when it is reached.
CREATE TABLE number_limit (
  subscriber_id bigint PRIMARY KEY REFERENCES subscriber(id),
  customer_id   bigint NOT NULL REFERENCES customer(id),
  amount        bigint NOT NULL CHECK (amount > 0),
  scope         text NOT NULL CHECK (scope IN ('tariff', 'extras', 'both')),
  action        text NOT NULL CHECK (action IN ('notify', 'block_extras')),
  updated_at    timestamptz NOT NULL,
  updated_by    bigint
);
CREATE INDEX number_limit_customer ON number_limit(customer_id);

-- A limit reached in a period (a calendar month of Moscow time): the primary key is what makes the
-- action happen exactly once, however many checks run at the same time.
CREATE TABLE number_limit_event (
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  period        text NOT NULL,
  customer_id   bigint NOT NULL REFERENCES customer(id),
  amount        bigint NOT NULL,
  spent         bigint NOT NULL,
  scope         text NOT NULL,
  action        text NOT NULL,
  at            timestamptz NOT NULL,
  PRIMARY KEY (subscriber_id, period)
);
CREATE INDEX number_limit_event_customer ON number_limit_event(customer_id, at DESC);

-- Bulk operations: one row per operation, one per number, processed by a job in batches.
CREATE TABLE bulk_operation (
  id            uuid PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customer(id),
  admin_id      bigint NOT NULL REFERENCES business_admin(id),
  kind          text NOT NULL CHECK (kind IN ('connect_product', 'disable_product', 'change_tariff', 'block', 'unblock', 'move_department')),
  params        jsonb NOT NULL,
  status        text NOT NULL CHECK (status IN ('queued', 'running', 'done')),
  total         int NOT NULL,
  done          int NOT NULL DEFAULT 0,
  refused       int NOT NULL DEFAULT 0,
  language      text NOT NULL DEFAULT 'ru',
  created_at    timestamptz NOT NULL,
  finished_at   timestamptz
);
CREATE INDEX bulk_operation_customer ON bulk_operation(customer_id, created_at DESC);
CREATE INDEX bulk_operation_open ON bulk_operation(created_at) WHERE status <> 'done';

CREATE TABLE bulk_item (
  operation_id  uuid NOT NULL REFERENCES bulk_operation(id),
  seq           int NOT NULL,
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  msisdn        text NOT NULL,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'refused')),
  code          text,
  reason_ru     text,
  reason_en     text,
  processed_at  timestamptz,
  PRIMARY KEY (operation_id, seq),
  UNIQUE (operation_id, subscriber_id)
);
CREATE INDEX bulk_item_pending ON bulk_item(operation_id, seq) WHERE status = 'pending';

-- Numbers the operator may hand out, and numbers resting in quarantine after a change.
CREATE TABLE number_pool (
  msisdn        text PRIMARY KEY CHECK (msisdn ~ '^[1-9][0-9]{7,14}$'),
  region_code   text NOT NULL REFERENCES region(code),
  status        text NOT NULL CHECK (status IN ('free', 'reserved', 'quarantined')),
  available_at  timestamptz,
  reserved_by   uuid
);
CREATE INDEX number_pool_free ON number_pool(region_code, msisdn) WHERE status = 'free';

-- SIM replacement and number change orders, each a status machine.
CREATE TABLE business_order (
  id            uuid PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customer(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  kind          text NOT NULL CHECK (kind IN ('sim_replacement', 'number_change')),
  status        text NOT NULL CHECK (status IN ('created', 'approved', 'in_progress', 'done', 'rejected')),
  sim_type      text CHECK (sim_type IN ('physical', 'esim')),
  new_iccid     text,
  activation_code text,
  old_msisdn    text NOT NULL,
  new_msisdn    text,
  created_by    bigint NOT NULL REFERENCES business_admin(id),
  approved_by   bigint REFERENCES business_admin(id),
  reject_reason text,
  history       jsonb NOT NULL DEFAULT '[]',
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX business_order_customer ON business_order(customer_id, created_at DESC);

-- Monthly expense reports of a customer, made by a job on the 1st for the month before.
CREATE TABLE business_report (
  id            uuid PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customer(id),
  month         text NOT NULL CHECK (month ~ '^\d{4}-\d{2}$'),
  created_at    timestamptz NOT NULL,
  total         bigint NOT NULL,
  csv           bytea NOT NULL,
  xlsx          bytea NOT NULL,
  pdf           bytea NOT NULL,
  UNIQUE (customer_id, month)
);

