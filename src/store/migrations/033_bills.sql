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

-- The language of a billing account's bills when set (TMF666 billStructure.format); otherwise the
-- subscriber's language, or the business customer's first report language.
ALTER TABLE account ADD COLUMN bill_language text CHECK (bill_language IN ('ru', 'en'));
ALTER TABLE contract ADD COLUMN bill_language text CHECK (bill_language IN ('ru', 'en'));

-- A bill on demand (TMF678 customerBillOnDemand): the figures of the month so far, made when asked
-- and kept as made. Not an issued bill: it has no number, is never on the bill list, and the month's
-- bill, when issued, may differ from it.
CREATE TABLE bill_on_demand (
  id            uuid PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customer(id),
  account_id    bigint REFERENCES account(id),
  contract_id   bigint REFERENCES contract(id),
  period        text NOT NULL,
  through       timestamptz NOT NULL,
  draft         jsonb NOT NULL,
  name          text,
  description   text,
  created_at    timestamptz NOT NULL,
  CHECK ((account_id IS NULL) <> (contract_id IS NULL))
);
CREATE INDEX bill_on_demand_account ON bill_on_demand (account_id, created_at DESC) WHERE account_id IS NOT NULL;
CREATE INDEX bill_on_demand_contract ON bill_on_demand (contract_id, created_at DESC) WHERE contract_id IS NOT NULL;
