-- TMF654 reserveBalance and transferBalance, TMF622 cancelProductOrder. The money is in ledger_entry.

-- A reservation holds money: a debit entry when made, the same amount credited back when it is
-- released (deleted) or expires, so the balance stays the sum of the entries.
CREATE TABLE tmf_reservation (
  id            text PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES account(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  amount        bigint NOT NULL CHECK (amount > 0),
  state         text NOT NULL CHECK (state IN ('active', 'released', 'expired')),
  hold_entry_id bigint NOT NULL,
  release_entry_id bigint,
  valid_until   timestamptz,
  body          jsonb NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX tmf_reservation_subscriber ON tmf_reservation(subscriber_id);
CREATE INDEX tmf_reservation_expiry ON tmf_reservation(valid_until) WHERE state = 'active';

CREATE TABLE tmf_transfer (
  id            text PRIMARY KEY,
  source_account_id bigint NOT NULL REFERENCES account(id),
  source_subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  target_account_id bigint NOT NULL REFERENCES account(id),
  target_subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  amount        bigint NOT NULL CHECK (amount > 0),
  debit_entry_id bigint NOT NULL,
  credit_entry_id bigint NOT NULL,
  body          jsonb NOT NULL,
  created_at    timestamptz NOT NULL
);
CREATE INDEX tmf_transfer_source ON tmf_transfer(source_subscriber_id);
CREATE INDEX tmf_transfer_target ON tmf_transfer(target_subscriber_id);

CREATE TABLE tmf_order_cancel (
  id            text PRIMARY KEY,
  order_id      text NOT NULL,
  state         text NOT NULL,
  reason        text,
  body          jsonb NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX tmf_order_cancel_order ON tmf_order_cancel(order_id);
