-- Social login (OpenID Connect): the accounts of providers linked to numbers, and the
-- short-lived secrets of each login or link request between the redirect and the callback.
CREATE TABLE social_identity (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id  bigint NOT NULL REFERENCES subscriber(id) ON DELETE CASCADE,
  provider       text NOT NULL,
  subject        text NOT NULL,                -- the provider's `sub`
  label          text,                         -- e-mail or name the provider gave, shown beside the link
  linked_at      timestamptz NOT NULL,
  last_login_at  timestamptz,
  UNIQUE (provider, subject),
  UNIQUE (subscriber_id, provider)
);

CREATE TABLE social_auth_request (
  id             text PRIMARY KEY,             -- sha256 of `state`; the state itself is kept only by the browser
  provider       text NOT NULL,
  purpose        text NOT NULL CHECK (purpose IN ('login', 'link')),
  subscriber_id  bigint REFERENCES subscriber(id) ON DELETE CASCADE,  -- who is linking (purpose link)
  nonce          text NOT NULL,
  code_verifier  text NOT NULL,
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz,
  CHECK ((purpose = 'link') = (subscriber_id IS NOT NULL))
);
CREATE INDEX social_auth_request_expiry ON social_auth_request (expires_at);
