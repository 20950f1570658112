-- Voicemail: a mailbox per number (when calls divert to it, its greeting), the messages left in
-- it (the audio kept here, so whichever instance answers can serve it and retention removes row
-- and audio together), and what the demo network adapter was told of each settings change.
CREATE TABLE voicemail_box (
  subscriber_id      bigint PRIMARY KEY REFERENCES subscriber(id) ON DELETE CASCADE,
  enabled            boolean NOT NULL DEFAULT false,
  divert_busy        boolean NOT NULL DEFAULT true,
  divert_no_answer   boolean NOT NULL DEFAULT true,
  no_answer_seconds  integer NOT NULL DEFAULT 20 CHECK (no_answer_seconds BETWEEN 5 AND 30),
  divert_unreachable boolean NOT NULL DEFAULT true,
  divert_always      boolean NOT NULL DEFAULT false,
  greeting_kind      text NOT NULL DEFAULT 'standard' CHECK (greeting_kind IN ('standard', 'text', 'recorded')),
  greeting_text      text,
  greeting_audio     bytea,                          -- 8 kHz mono 16-bit WAV, when recorded
  version            integer NOT NULL DEFAULT 0,     -- each change of the diversion settings
  pushed_version     integer NOT NULL DEFAULT 0,     -- the last one the network was told
  updated_at         timestamptz NOT NULL
);
CREATE INDEX voicemail_box_unpushed ON voicemail_box (subscriber_id) WHERE pushed_version < version;

CREATE TABLE voicemail_message (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
  call_id        text NOT NULL UNIQUE,               -- Asterisk's uniqueid: a call leaves one message
  caller         text,                               -- the calling number as the network gave it
  received_at    timestamptz NOT NULL,
  duration_ms    integer NOT NULL,
  audio          bytea NOT NULL,                     -- 8 kHz mono 16-bit WAV
  heard_at       timestamptz
);
CREATE INDEX voicemail_message_box ON voicemail_message (subscriber_id, received_at DESC);
CREATE INDEX voicemail_message_age ON voicemail_message (received_at);

-- The demo network adapter's record: one row per settings version told to the network.
CREATE TABLE voicemail_network_push (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  msisdn      text NOT NULL,
  version     integer NOT NULL,
  settings    jsonb NOT NULL,
  pushed_at   timestamptz NOT NULL,
  UNIQUE (msisdn, version)
);
