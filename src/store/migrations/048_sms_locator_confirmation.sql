-- A paid friend-locator request asked for by SMS (ГДЕ <number>), made only if the subscriber
-- answers ДА in time.
CREATE TABLE sms_locator_confirmation (
  msisdn       text PRIMARY KEY,
  target       text NOT NULL,
  expires_at   timestamptz NOT NULL
);
