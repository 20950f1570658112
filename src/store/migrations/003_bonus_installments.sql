-- Bonus points and device installment plans. Every table is keyed by the account first (sharding rule).

-- Points earned on spending: one lot per charge, spent oldest first, expiring after
-- settings.bonus.expiryMonths. `remaining` is what is left of the lot to spend or to expire.
CREATE TABLE bonus_lot (
  account_id    bigint NOT NULL REFERENCES account(id),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id bigint REFERENCES subscriber(id),
  points        bigint NOT NULL CHECK (points > 0),
  remaining     bigint NOT NULL CHECK (remaining >= 0 AND remaining <= points),
  earned_at     timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  -- What the points were earned for (a ledger entry); earning is idempotent by it.
  reference     text NOT NULL,
  expired_at    timestamptz,
  PRIMARY KEY (account_id, id),
  UNIQUE (account_id, reference)
);
CREATE INDEX bonus_lot_open ON bonus_lot(account_id, earned_at) WHERE remaining > 0;
CREATE INDEX bonus_lot_expiry ON bonus_lot(expires_at) WHERE remaining > 0;

-- The points history: append-only, signed (earn positive; spend and expire negative).
-- The sum of an account's entries equals the sum of its lots' `remaining`.
CREATE TABLE bonus_entry (
  account_id      bigint NOT NULL REFERENCES account(id),
  id              bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id   bigint,
  kind            text NOT NULL CHECK (kind IN ('earn', 'spend', 'expire')),
  points          bigint NOT NULL CHECK (points <> 0),
  lot_id          bigint,
  reward_code     text,
  -- Lots a spend took its points from: [{lotId, points}].
  lots            jsonb,
  reference       text,
  idempotency_key text NOT NULL,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (account_id, id),
  UNIQUE (account_id, idempotency_key),
  CHECK ((kind = 'earn') = (points > 0))
);
CREATE INDEX bonus_entry_account_time ON bonus_entry(account_id, id DESC);

CREATE FUNCTION bonus_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bonus entries are append-only';
END $$;
CREATE TRIGGER bonus_entry_immutable BEFORE UPDATE OR DELETE ON bonus_entry
  FOR EACH ROW EXECUTE FUNCTION bonus_entry_immutable();

-- A device bought in installments: the total is owed in `months` payments taken from the balance.
CREATE TABLE installment_plan (
  account_id     bigint NOT NULL REFERENCES account(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  device_name    text NOT NULL CHECK (length(device_name) BETWEEN 1 AND 200),
  total          bigint NOT NULL CHECK (total > 0),
  months         smallint NOT NULL CHECK (months BETWEEN 1 AND 60),
  monthly_amount bigint NOT NULL CHECK (monthly_amount > 0),
  -- Local day of month the payments fall on; clamped to the month's last day.
  day_of_month   smallint NOT NULL CHECK (day_of_month BETWEEN 1 AND 31),
  status         text NOT NULL CHECK (status IN ('active', 'overdue', 'paid')),
  created_at     timestamptz NOT NULL,
  closed_at      timestamptz,
  PRIMARY KEY (account_id, id)
);
CREATE INDEX installment_plan_subscriber ON installment_plan(account_id, subscriber_id);

-- The schedule: one row per month. The amounts sum exactly to the plan's total.
CREATE TABLE installment_payment (
  account_id      bigint NOT NULL,
  plan_id         bigint NOT NULL,
  seq             smallint NOT NULL CHECK (seq >= 1),
  due_at          timestamptz NOT NULL,
  amount          bigint NOT NULL CHECK (amount > 0),
  paid_at         timestamptz,
  ledger_entry_id bigint,
  -- Each notice is sent once per row: the reminder before the due date, the overdue notice after.
  reminded_at     timestamptz,
  overdue_notified_at timestamptz,
  PRIMARY KEY (account_id, plan_id, seq),
  FOREIGN KEY (account_id, plan_id) REFERENCES installment_plan(account_id, id)
);
CREATE INDEX installment_payment_due ON installment_payment(due_at) WHERE paid_at IS NULL;
