-- SMS commands on 8111: the SMSC's message id makes a repeated MO message count once, and a paid
-- connection waits for the subscriber's YES in a pending confirmation.
ALTER TABLE sms_message ADD COLUMN smsc_id text;
CREATE UNIQUE INDEX sms_message_mo_once ON sms_message(short_code, msisdn, smsc_id) WHERE direction = 'mo' AND smsc_id IS NOT NULL;

CREATE TABLE sms_confirmation (
  msisdn       text PRIMARY KEY,
  product_code text NOT NULL,
  price        bigint NOT NULL,
  expires_at   timestamptz NOT NULL
);
