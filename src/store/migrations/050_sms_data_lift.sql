-- "Continue for N ₽" asked for by SMS (ЕЩЁ / MORE): lifted only if the subscriber answers ДА in time.
CREATE TABLE sms_data_lift_confirmation (
  msisdn      text PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
