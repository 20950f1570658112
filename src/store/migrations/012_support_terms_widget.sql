-- Support tickets, the idea board, terms of use and read-only widget tokens.

-- A ticket belongs to one number; its priority is fixed at creation from the tariff of that moment.
CREATE TABLE ticket (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES account(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  kind          text NOT NULL CHECK (kind IN ('question', 'complaint', 'thanks', 'wish')),
  subject       text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed')),
  priority      text NOT NULL CHECK (priority IN ('normal', 'high')),
  -- 0 for high, 1 for normal: the staff queue reads (rank, created_at, id) in index order.
  priority_rank smallint NOT NULL CHECK (priority_rank IN (0, 1)),
  channel       text NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX ticket_subscriber ON ticket(subscriber_id, created_at DESC);
CREATE INDEX ticket_queue ON ticket(status, priority_rank, created_at, id);

CREATE TABLE ticket_message (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id  bigint NOT NULL REFERENCES ticket(id),
  author     text NOT NULL CHECK (author IN ('subscriber', 'staff')),
  staff_id   bigint REFERENCES staff_user(id),
  text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
  created_at timestamptz NOT NULL
);
CREATE INDEX ticket_message_ticket ON ticket_message(ticket_id, id);

CREATE TABLE idea (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscriber_id bigint REFERENCES subscriber(id),
  title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  text          text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
  status        text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'planned', 'done', 'declined')),
  votes         int NOT NULL DEFAULT 0 CHECK (votes >= 0),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX idea_top ON idea(votes DESC, created_at DESC);
CREATE INDEX idea_new ON idea(created_at DESC);

-- One vote per subscriber and idea; idea.votes is kept in the same transaction as each row.
CREATE TABLE idea_vote (
  idea_id       bigint NOT NULL REFERENCES idea(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (idea_id, subscriber_id)
);
CREATE INDEX idea_vote_subscriber ON idea_vote(subscriber_id);

-- Published versions of the terms of use; the current one is the latest published by now.
CREATE TABLE terms_version (
  version      text PRIMARY KEY,
  published_at timestamptz NOT NULL,
  text_ru      text NOT NULL,
  text_en      text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX terms_version_published ON terms_version(published_at DESC);

CREATE TABLE terms_acceptance (
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  version       text NOT NULL REFERENCES terms_version(version),
  accepted_at   timestamptz NOT NULL,
  channel       text NOT NULL,
  PRIMARY KEY (subscriber_id, version)
);

-- Read-only widget tokens: only a keyed hash of the token is kept.
CREATE TABLE widget_token (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES account(id),
  subscriber_id bigint NOT NULL REFERENCES subscriber(id),
  label         text NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX widget_token_subscriber ON widget_token(subscriber_id, created_at DESC);
