-- Catalog: the file in catalog/ seeds these tables; TM Forum and staff edits change them at run time.
CREATE TABLE region (
  code        text PRIMARY KEY,
  iso         text NOT NULL UNIQUE,
  name_ru     text NOT NULL,
  name_en     text NOT NULL,
  center_ru   text NOT NULL,
  center_en   text NOT NULL,
  time_zone   text NOT NULL
);

CREATE TABLE tariff_plan (
  code        text PRIMARY KEY,
  spec        jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product (
  code        text PRIMARY KEY,
  spec        jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE catalog_setting (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL
);

-- Parties
CREATE TABLE customer (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('person', 'business')),
  name        text NOT NULL,
  inn         text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contract (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customer(id),
  number      text NOT NULL UNIQUE,
  region_code text NOT NULL REFERENCES region(code),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contract_customer ON contract(customer_id);

CREATE TABLE department (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customer(id),
  name        text NOT NULL,
  UNIQUE (customer_id, name)
);

-- Money: an account's balance is the sum of its ledger entries, kept by the trigger below.
CREATE TABLE account (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customer(id),
  currency     text NOT NULL DEFAULT 'RUB',
  balance      bigint NOT NULL DEFAULT 0,
  credit_limit bigint NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_customer ON account(customer_id);

CREATE TABLE subscriber (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id   bigint NOT NULL REFERENCES account(id),
  customer_id  bigint NOT NULL REFERENCES customer(id),
  contract_id  bigint REFERENCES contract(id),
  department_id bigint REFERENCES department(id),
  msisdn       text NOT NULL UNIQUE CHECK (msisdn ~ '^[1-9][0-9]{7,14}$'),
  iccid        text NOT NULL UNIQUE,
  region_code  text NOT NULL REFERENCES region(code),
  tariff_code  text NOT NULL REFERENCES tariff_plan(code),
  tariff_since timestamptz NOT NULL DEFAULT now(),
  tariff_next_charge_at timestamptz,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked', 'suspended')),
  language     text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
  script       text NOT NULL DEFAULT 'cyrillic' CHECK (script IN ('cyrillic', 'latin')),
  content_ban  boolean NOT NULL DEFAULT false,
  billing_day  smallint NOT NULL CHECK (billing_day BETWEEN 1 AND 31),
  employee_name text,
  activated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriber_account ON subscriber(account_id);
CREATE INDEX subscriber_customer ON subscriber(customer_id);

CREATE TABLE ledger_entry (
  account_id      bigint NOT NULL REFERENCES account(id),
  id              bigint GENERATED ALWAYS AS IDENTITY,
  amount          bigint NOT NULL CHECK (amount <> 0),
  currency        text NOT NULL DEFAULT 'RUB',
  kind            text NOT NULL CHECK (kind IN ('payment', 'fee', 'usage', 'promised', 'bonus', 'refund', 'adjustment')),
  subscriber_id   bigint,
  product_code    text,
  reference       text,
  description     text,
  idempotency_key text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id),
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX ledger_entry_account_time ON ledger_entry(account_id, created_at);

CREATE FUNCTION ledger_entry_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE account SET balance = balance + NEW.amount, updated_at = now() WHERE id = NEW.account_id;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_apply AFTER INSERT ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_apply();

CREATE FUNCTION ledger_entry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only';
END $$;
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable();

-- Only the ledger trigger may move a balance.
CREATE FUNCTION account_balance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.balance <> OLD.balance AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'account balance changes only through ledger entries';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER account_balance_guard BEFORE UPDATE ON account
  FOR EACH ROW EXECUTE FUNCTION account_balance_guard();

-- What a subscriber has connected.
CREATE TABLE product_instance (
  account_id     bigint NOT NULL REFERENCES account(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  product_code   text NOT NULL REFERENCES product(code),
  status         text NOT NULL CHECK (status IN ('active', 'suspended', 'disabled')),
  connected_at   timestamptz NOT NULL,
  disabled_at    timestamptz,
  next_charge_at timestamptz,
  anchor_day     smallint NOT NULL CHECK (anchor_day BETWEEN 1 AND 31),
  PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX product_instance_live ON product_instance(account_id, subscriber_id, product_code)
  WHERE status <> 'disabled';

CREATE TABLE quota (
  account_id     bigint NOT NULL REFERENCES account(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  unit           text NOT NULL CHECK (unit IN ('seconds', 'sms', 'bytes')),
  source         text NOT NULL,
  period_start   timestamptz NOT NULL,
  period_end     timestamptz NOT NULL,
  included       bigint NOT NULL CHECK (included >= 0),
  used           bigint NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= included),
  PRIMARY KEY (account_id, id)
);
CREATE INDEX quota_subscriber ON quota(account_id, subscriber_id, period_end);

-- Idempotent use cases: the first result of a key is kept and returned to repeats.
CREATE TABLE idempotency_record (
  scope       text NOT NULL,
  key         text NOT NULL,
  operation   text NOT NULL,
  fingerprint text NOT NULL,
  result      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);

CREATE TABLE audit_event (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at            timestamptz NOT NULL,
  actor_kind    text NOT NULL,
  actor_id      text,
  channel       text NOT NULL,
  action        text NOT NULL,
  subscriber_id bigint,
  customer_id   bigint,
  outcome       text NOT NULL DEFAULT 'ok',
  details       jsonb NOT NULL DEFAULT '{}',
  request_id    text
);
CREATE INDEX audit_event_subscriber ON audit_event(subscriber_id, at DESC);
CREATE INDEX audit_event_customer ON audit_event(customer_id, at DESC);
CREATE INDEX audit_event_at ON audit_event(at DESC);

-- People who log in besides subscribers.
CREATE TABLE business_admin (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customer(id),
  department_id bigint REFERENCES department(id),
  email         text NOT NULL UNIQUE,
  phone         text NOT NULL,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('contract_admin', 'accountant', 'department_manager')),
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_user (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_key (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  prefix      text NOT NULL UNIQUE,
  key_hash    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Auth state lives in the store so any instance can serve any request.
CREATE TABLE subscriber_credential (
  subscriber_id bigint PRIMARY KEY REFERENCES subscriber(id),
  password_hash text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE otp (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject     text NOT NULL,
  purpose     text NOT NULL,
  code_hash   text NOT NULL,
  expires_at  timestamptz NOT NULL,
  attempts    int NOT NULL DEFAULT 0,
  consumed_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX otp_subject ON otp(subject, purpose, created_at DESC);

CREATE TABLE rate_limit (
  key          text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  count        int NOT NULL,
  locked_until timestamptz
);

CREATE TABLE session (
  id            text PRIMARY KEY,            -- sha256 of the token; the token itself is never stored
  kind          text NOT NULL CHECK (kind IN ('subscriber', 'business_admin', 'staff')),
  subject_id    bigint NOT NULL,
  channel       text NOT NULL,
  method        text NOT NULL,
  created_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  ip            text,
  user_agent    text
);
CREATE INDEX session_subject ON session(kind, subject_id);

-- Outbound and inbound SMS as seen by the SMS port.
CREATE TABLE sms_message (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  direction   text NOT NULL CHECK (direction IN ('mo', 'mt')),
  msisdn      text NOT NULL,
  short_code  text NOT NULL,
  text        text NOT NULL,
  status      text NOT NULL DEFAULT 'queued',
  created_at  timestamptz NOT NULL DEFAULT now(),
  meta        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX sms_message_msisdn ON sms_message(msisdn, id DESC);
