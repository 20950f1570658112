-- Ringback tones ("Гудок"): the melodies on sale (filled from the catalog files), each number's
-- library of bought melodies (charged per day or month by the fee run, like a product), the rules
-- choosing which melody a caller hears, and the outbox of changes pushed to the ringback platform.
CREATE TABLE ringback_melody (
  code        text PRIMARY KEY,
  spec        jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ringback_tone (
  account_id     bigint NOT NULL REFERENCES account(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  melody_code    text NOT NULL REFERENCES ringback_melody(code),
  status         text NOT NULL CHECK (status IN ('active', 'suspended', 'removed')),
  bought_at      timestamptz NOT NULL,
  removed_at     timestamptz,
  next_charge_at timestamptz NOT NULL,
  anchor_day     smallint NOT NULL CHECK (anchor_day BETWEEN 1 AND 31),
  PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX ringback_tone_live ON ringback_tone (account_id, subscriber_id, melody_code) WHERE status <> 'removed';
CREATE INDEX ringback_tone_due ON ringback_tone (account_id, next_charge_at) WHERE status = 'active';

-- Which melody callers hear: all callers (callers NULL), chosen numbers, or a named group of
-- numbers; all day (from/to NULL) or from a local time of day to another (minutes after midnight,
-- a window may pass midnight).
CREATE TABLE ringback_rule (
  account_id     bigint NOT NULL REFERENCES account(id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  melody_code    text NOT NULL REFERENCES ringback_melody(code),
  callers        text[],
  group_name     text,
  from_minute    smallint CHECK (from_minute BETWEEN 0 AND 1439),
  to_minute      smallint CHECK (to_minute BETWEEN 0 AND 1439),
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (account_id, id),
  CHECK ((from_minute IS NULL) = (to_minute IS NULL)),
  CHECK (group_name IS NULL OR callers IS NOT NULL)
);
CREATE INDEX ringback_rule_subscriber ON ringback_rule (subscriber_id);

-- One row per change of a number's ringback settings, written in the change's transaction and
-- pushed to the platform once by the `ringback-push` job. `version` grows per number, so the
-- platform keeps the newest state whatever order deliveries arrive in.
CREATE TABLE ringback_push (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id   bigint NOT NULL REFERENCES subscriber(id),
  version         integer NOT NULL,
  body            jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_at      timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  UNIQUE (subscriber_id, version)
);
CREATE INDEX ringback_push_due ON ringback_push (next_attempt_at) WHERE status = 'pending';

-- A melody offered by SMS (ГУДОК <n>), bought and set only if the subscriber answers ДА in time.
CREATE TABLE sms_ringback_confirmation (
  msisdn       text PRIMARY KEY,
  melody_code  text NOT NULL REFERENCES ringback_melody(code),
  expires_at   timestamptz NOT NULL
);
