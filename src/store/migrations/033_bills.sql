-- Monthly bills (issue 21). One bill per billing account and local month: a subscriber's own
-- account, or a business contract (all the accounts of its numbers). A bill is written once, with
-- its lines and its PDF, and never changed: a trigger refuses UPDATE and DELETE, so a correction
-- booked after issue can only appear on a later bill.
CREATE TABLE bill (
  id              uuid PRIMARY KEY,
  number          text NOT NULL UNIQUE,
  customer_id     bigint NOT NULL REFERENCES customer(id),
  account_id      bigint REFERENCES account(id),
  contract_id     bigint REFERENCES contract(id),
  period          text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL CHECK (period_end > period_start),
  time_zone       text NOT NULL,
  language        text NOT NULL CHECK (language IN ('ru', 'en')),
  currency        text NOT NULL DEFAULT 'RUB',
  opening_balance bigint NOT NULL,
  closing_balance bigint NOT NULL,
  charges         bigint NOT NULL,
  credits         bigint NOT NULL,
  entries         int NOT NULL CHECK (entries >= 0),
  lines           jsonb NOT NULL,
  issued_at       timestamptz NOT NULL,
  pdf             bytea NOT NULL,
  CHECK ((account_id IS NULL) <> (contract_id IS NULL)),
  CHECK (closing_balance = opening_balance + credits - charges)
);
CREATE UNIQUE INDEX bill_account_period ON bill (account_id, period) WHERE account_id IS NOT NULL;
CREATE UNIQUE INDEX bill_contract_period ON bill (contract_id, period) WHERE contract_id IS NOT NULL;
CREATE INDEX bill_customer ON bill (customer_id, period DESC);

CREATE FUNCTION bill_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'bills are immutable once issued';
END $$;
CREATE TRIGGER bill_immutable BEFORE UPDATE OR DELETE ON bill
  FOR EACH ROW EXECUTE FUNCTION bill_immutable();
