-- TMF hub events as an outbox: one row per event and listener, tried at once after the change
-- commits, then again with backoff by the `tmf-hub-deliveries` job until delivered or out of
-- attempts (status failed, kept with its last error for the operator to see on GET /hub/{id}/delivery).
CREATE TABLE tmf_event_delivery (
  id              bigserial PRIMARY KEY,
  hub_id          text NOT NULL REFERENCES tmf_hub(id) ON DELETE CASCADE,
  api             text NOT NULL,
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  url             text NOT NULL,
  body            jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts        int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_at      timestamptz,
  last_error      text,
  last_status     int,
  created_at      timestamptz NOT NULL,
  delivered_at    timestamptz
);
CREATE INDEX tmf_event_delivery_due ON tmf_event_delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX tmf_event_delivery_hub ON tmf_event_delivery (hub_id, id);
