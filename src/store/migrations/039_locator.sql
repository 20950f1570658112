-- Friend locator: who may see where a number is (consent asked by SMS or in the app, or permanent
-- for a child number on the parent's own account or contract), and every location request, kept
-- for both sides to see.
CREATE TABLE locator_consent (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requester_id   bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
  target_id      bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
  status         text NOT NULL CHECK (status IN ('pending', 'granted', 'refused', 'revoked')),
  child          boolean NOT NULL DEFAULT false,   -- permanent: the parent placed the number under it
  asked_at       timestamptz NOT NULL,
  decided_at     timestamptz,
  decided_by     text,                             -- sms, app, web, parent
  UNIQUE (requester_id, target_id),
  CHECK (requester_id <> target_id)
);
CREATE INDEX locator_consent_target ON locator_consent (target_id, status);

CREATE TABLE locator_request (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requester_id   bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
  target_id      bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
  at             timestamptz NOT NULL,
  channel        text NOT NULL,
  outcome        text NOT NULL CHECK (outcome IN ('located', 'refused', 'failed')),
  reason         text,
  fix_at         timestamptz,
  latitude       double precision,
  longitude      double precision,
  radius_m       integer,
  locality_ru    text,
  locality_en    text
);
CREATE INDEX locator_request_target ON locator_request (target_id, at DESC);
CREATE INDEX locator_request_requester ON locator_request (requester_id, at DESC);
