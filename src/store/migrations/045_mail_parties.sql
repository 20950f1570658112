-- A customer's e-mail: where bills are sent by e-mail link (the subscriber's profile, TMF632
-- contactMedium). What TMF632 records of a party beyond its name (given and family names, other
-- contact media) is kept as the party's own attributes; `updated_at` is when they last changed.
ALTER TABLE customer ADD COLUMN email text CHECK (email IS NULL OR (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'));
ALTER TABLE customer ADD COLUMN party jsonb NOT NULL DEFAULT '{}';
ALTER TABLE customer ADD COLUMN updated_at timestamptz;

-- The e-mail outbox, as sms_message is the SMS one: a message is queued in the transaction that
-- causes it and sent by the mail-outbox job outside any transaction, with retries.
CREATE TABLE mail_message (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_address      text NOT NULL,
  subject         text NOT NULL,
  body            text NOT NULL,
  kind            text NOT NULL,
  customer_id     bigint REFERENCES customer(id),
  status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  claimed_at      timestamptz,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  meta            jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX mail_message_outbox ON mail_message(id) WHERE status IN ('queued', 'sending');
CREATE INDEX mail_message_customer ON mail_message(customer_id, id);
