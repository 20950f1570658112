-- The built-in sandbox payment provider keeps its own state, as an outside provider would.
CREATE TABLE sandbox_payment (
  ref         text PRIMARY KEY,
  amount      bigint NOT NULL,
  description text NOT NULL,
  return_url  text,
  save_card   boolean NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  refunded    bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL
);

CREATE TABLE sandbox_card (
  token      text PRIMARY KEY,
  last4      text NOT NULL,
  brand      text NOT NULL,
  expiry     text NOT NULL,
  declines   boolean NOT NULL
);
