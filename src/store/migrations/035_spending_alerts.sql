-- Spending alerts: what each number asked to be told about, and every alert raised.
-- No row in alert_setting means the number asked for no alerts.
CREATE TABLE alert_setting (
  subscriber_id  bigint PRIMARY KEY REFERENCES subscriber(id),
  -- Kopecks: an alert when the balance falls below this; NULL: no low-balance alert.
  low_balance    bigint CHECK (low_balance IS NULL OR (low_balance >= 0 AND low_balance <= 100000000)),
  package_80     boolean NOT NULL DEFAULT false,
  package_100    boolean NOT NULL DEFAULT false,
  daily_digest   boolean NOT NULL DEFAULT false,
  via_sms        boolean NOT NULL DEFAULT true,
  via_app        boolean NOT NULL DEFAULT true,
  allow_night    boolean NOT NULL DEFAULT false,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per alert raised. `key` names the threshold and its period (a quota row is one period of
-- one package; a low balance is keyed by threshold and local month; a digest by local day), so the
-- unique key makes an alert fire exactly once whatever the order or concurrency of the batches.
-- An alert raised at night waits (released_at NULL) until release_at, the next local morning.
CREATE TABLE alert (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id),
  key            text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('low_balance', 'package_80', 'package_100', 'daily_digest', 'cap_spending', 'cap_roaming', 'cap_data')),
  params         jsonb NOT NULL,
  via_sms        boolean NOT NULL,
  via_app        boolean NOT NULL,
  created_at     timestamptz NOT NULL,
  release_at     timestamptz NOT NULL,
  released_at    timestamptz,
  text_ru        text,
  text_en        text,
  UNIQUE (subscriber_id, key)
);
CREATE INDEX alert_waiting ON alert(release_at) WHERE released_at IS NULL;
CREATE INDEX alert_feed ON alert(subscriber_id, id) WHERE via_app AND released_at IS NOT NULL;
CREATE INDEX alert_setting_digest ON alert_setting(subscriber_id) WHERE daily_digest;

-- Spending caps. No row: only the default roaming cap (5,000 ₽ a calendar month in the region's time).
CREATE TABLE spending_cap (
  subscriber_id  bigint PRIMARY KEY REFERENCES subscriber(id),
  -- Kopecks a calendar month; NULL: no monthly cap.
  monthly        bigint CHECK (monthly IS NULL OR (monthly > 0 AND monthly <= 100000000)),
  roaming        bigint NOT NULL DEFAULT 500000 CHECK (roaming >= 0 AND roaming <= 100000000),
  -- Data stops at the end of the packages instead of being charged per MB.
  data_hard      boolean NOT NULL DEFAULT false,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- A record rating refused (a cap): booked with nothing charged or drawn, and the reason the network acts on.
ALTER TABLE usage_record ADD COLUMN refused text CHECK (refused IN ('SPENDING_CAP', 'ROAMING_CAP', 'DATA_CAP'));

-- Roaming state per number, set by the network's attach events: the country it is in (ISO 3166-1
-- alpha-2), or NULL at home.
CREATE TABLE roaming_state (
  subscriber_id  bigint PRIMARY KEY REFERENCES subscriber(id),
  country        text CHECK (country IS NULL OR country ~ '^[A-Z]{2}$'),
  since          timestamptz NOT NULL
);
