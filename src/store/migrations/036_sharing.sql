-- Sharing minutes and gigabytes: one row per transfer from a giver's package to another number.
-- The giver's quota rows lose `taken` units (their `included` goes down under the account lock, and
-- the quota's own CHECK used <= included refuses any overdraw); the recipient gets a quota row
-- with source 'gift:<id>' valid until `valid_until`, which nobody gets back when it runs out.
CREATE TABLE share_transfer (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  giver_account_id        bigint NOT NULL,
  giver_subscriber_id     bigint NOT NULL REFERENCES subscriber(id),
  recipient_account_id    bigint NOT NULL,
  recipient_subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  unit                    text NOT NULL CHECK (unit IN ('seconds', 'bytes')),
  units                   bigint NOT NULL CHECK (units > 0),
  fee                     bigint NOT NULL CHECK (fee >= 0),
  taken                   jsonb NOT NULL, -- [{quotaId, units}] from the giver's quotas
  valid_until             timestamptz NOT NULL,
  created_at              timestamptz NOT NULL,
  CHECK (giver_subscriber_id <> recipient_subscriber_id)
);
CREATE INDEX share_transfer_giver ON share_transfer(giver_subscriber_id, created_at);
CREATE INDEX share_transfer_recipient ON share_transfer(recipient_subscriber_id, created_at);

-- A transfer asked for by SMS waits here for the giver's "ДА"/"YES" (as sms_confirmation does for
-- a paid connection); the latest offer of either kind is the one a reply confirms.
CREATE TABLE sms_share_confirmation (
  msisdn     text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('data', 'minutes')),
  amount     integer NOT NULL,
  recipient  text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Family groups: a head number and up to five members. A number is in at most one group, as head
-- or member (invited numbers are not yet in it). An invitation waits for the invitee's "ДА" or a
-- tap in the app until `expires_at`.
CREATE TABLE family_group (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  head_subscriber_id bigint NOT NULL UNIQUE REFERENCES subscriber(id),
  created_at         timestamptz NOT NULL
);
CREATE TABLE family_member (
  group_id      bigint NOT NULL REFERENCES family_group(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  status        text NOT NULL CHECK (status IN ('invited', 'active')),
  -- The head's monthly limit of the member's charges, kopecks; null: none.
  monthly_limit bigint CHECK (monthly_limit IS NULL OR monthly_limit >= 0),
  invited_at    timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  joined_at     timestamptz,
  PRIMARY KEY (group_id, subscriber_id)
);
CREATE UNIQUE INDEX family_member_one_group ON family_member(subscriber_id) WHERE status = 'active';
