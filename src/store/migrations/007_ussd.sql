-- One USSD session per subscriber, kept in the store so that any instance can continue it. A new
-- dial replaces the row; the last reply stays with it so a gateway's repeated request is answered
-- again without acting twice.
CREATE TABLE ussd_session (
  account_id    bigint NOT NULL REFERENCES account(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  session_id    text NOT NULL,
  service_code  text NOT NULL,
  -- the menu stack: [{ "n": node, "a": argument, "p": page }]
  state         jsonb NOT NULL,
  -- how many inputs of the gateway's '*'-joined history are consumed
  consumed      int NOT NULL DEFAULT 0,
  last_reply    jsonb NOT NULL,
  ended         boolean NOT NULL DEFAULT false,
  started_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (account_id, subscriber_id)
);
