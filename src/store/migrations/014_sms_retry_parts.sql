-- The SMS outbox retries: a message the transport could not hand over (link down, gateway 5xx,
-- throttled) waits for its next attempt with a growing delay, and fails only after the last one.
ALTER TABLE sms_message ADD COLUMN attempts int NOT NULL DEFAULT 0;
ALTER TABLE sms_message ADD COLUMN next_attempt_at timestamptz;
CREATE INDEX sms_message_outbox ON sms_message(id) WHERE direction = 'mt' AND status IN ('queued', 'sending');

-- Parts of a long (concatenated) mobile-originated SMS, kept until the last one arrives: the parts
-- of one message may reach different instances, so they wait in the store, not in memory.
CREATE TABLE sms_mo_part (
  msisdn      text NOT NULL,
  short_code  text NOT NULL,
  ref         int NOT NULL,
  total       int NOT NULL CHECK (total BETWEEN 2 AND 255),
  seq         int NOT NULL CHECK (seq BETWEEN 1 AND 255),
  text        text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (msisdn, short_code, ref, total, seq)
);
