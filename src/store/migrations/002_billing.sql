-- Billing core: usage, fee runs, promised payment, payments, auto-payment, reports.

-- What a charge was for, so spending can be shown by category without guessing from text.
ALTER TABLE ledger_entry ADD COLUMN category text
  CHECK (category IN ('subscription', 'calls', 'sms', 'internet', 'content', 'roaming', 'one_off', 'promised', 'payment', 'bonus', 'other'));

-- Usage as the network reported it, and what rating made of it.
CREATE TABLE usage_record (
  account_id     bigint NOT NULL REFERENCES account(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  record_id      text NOT NULL,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  kind           text NOT NULL CHECK (kind IN ('voice', 'sms', 'mms', 'data')),
  zone           text NOT NULL CHECK (zone IN ('home', 'intercity', 'roaming')),
  started_at     timestamptz NOT NULL,
  duration_seconds int CHECK (duration_seconds >= 0),
  bytes          bigint CHECK (bytes >= 0),
  counterpart    text,
  billed_units   bigint NOT NULL,           -- seconds, messages or bytes after rounding
  quota_units    bigint NOT NULL DEFAULT 0, -- of those, covered by quotas
  consumed       jsonb NOT NULL DEFAULT '[]', -- [{quotaId, source, units}]
  charged        bigint NOT NULL DEFAULT 0,   -- kopecks, rounded once
  rated_at       timestamptz NOT NULL,
  PRIMARY KEY (account_id, id),
  UNIQUE (account_id, record_id)
);
CREATE INDEX usage_record_subscriber_time ON usage_record(account_id, subscriber_id, started_at);

-- Promised payment: a short credit repaid from the next top-up.
CREATE TABLE promised_payment (
  account_id    bigint NOT NULL REFERENCES account(id),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  amount        bigint NOT NULL CHECK (amount > 0),
  fee           bigint NOT NULL CHECK (fee >= 0),
  repaid        bigint NOT NULL DEFAULT 0 CHECK (repaid >= 0 AND repaid <= amount),
  taken_at      timestamptz NOT NULL,
  due_at        timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('active', 'repaid', 'expired')),
  closed_at     timestamptz,
  PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX promised_payment_one_active ON promised_payment(account_id) WHERE status = 'active';
CREATE INDEX promised_payment_due ON promised_payment(due_at) WHERE status = 'active';

-- Outstanding debt left by an expired promised payment is just a negative balance; the ledger says why.

-- Payments through a provider (the built-in sandbox or a real one).
CREATE TABLE payment (
  id             uuid PRIMARY KEY,
  account_id     bigint NOT NULL REFERENCES account(id),
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  provider       text NOT NULL,
  purpose        text NOT NULL DEFAULT 'topup' CHECK (purpose IN ('topup', 'autopay', 'installment')),
  amount         bigint NOT NULL CHECK (amount > 0),
  status         text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  refunded       bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  provider_ref   text,
  confirmation_url text,
  save_card      boolean NOT NULL DEFAULT false,
  card_id        bigint,
  failure_reason text,
  channel        text NOT NULL,
  idempotency_key text,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX payment_account ON payment(account_id, created_at DESC);
CREATE UNIQUE INDEX payment_provider_ref ON payment(provider, provider_ref) WHERE provider_ref IS NOT NULL;
CREATE UNIQUE INDEX payment_request_key ON payment(account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE saved_card (
  account_id    bigint NOT NULL REFERENCES account(id),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  provider      text NOT NULL,
  token         text NOT NULL,          -- the provider's token; never a card number
  last4         text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  brand         text NOT NULL,
  expiry        text NOT NULL,
  created_at    timestamptz NOT NULL,
  removed_at    timestamptz,
  PRIMARY KEY (account_id, id),
  UNIQUE (provider, token)
);

CREATE TABLE auto_payment (
  account_id     bigint NOT NULL REFERENCES account(id),
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  enabled        boolean NOT NULL DEFAULT true,
  mode           text NOT NULL CHECK (mode IN ('threshold', 'monthly')),
  threshold      bigint,                 -- top up when the balance falls below this
  amount         bigint NOT NULL CHECK (amount > 0),
  day_of_month   smallint CHECK (day_of_month BETWEEN 1 AND 31),
  card_id        bigint NOT NULL,
  daily_limit    bigint NOT NULL,
  monthly_limit  bigint NOT NULL,
  next_run_at    timestamptz,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (account_id, subscriber_id)
);

CREATE TABLE auto_payment_attempt (
  account_id    bigint NOT NULL REFERENCES account(id),
  id            bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id bigint NOT NULL,
  at            timestamptz NOT NULL,
  trigger       text NOT NULL,
  amount        bigint NOT NULL,
  outcome       text NOT NULL,           -- succeeded | failed | limit_reached | no_card
  payment_id    uuid,
  detail        text,
  PRIMARY KEY (account_id, id)
);

-- Leases for scheduled jobs: one holder at a time, taken over when it expires.
CREATE TABLE job_lease (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at timestamptz NOT NULL
);
