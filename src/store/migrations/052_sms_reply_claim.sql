-- The reply to an incoming SMS in one statement on both stores: marks the incoming message handled
-- and inserts its reply — recorded `sent` (the gateway's answer carries it), `queued` for the outbox,
-- or already claimed (`sending`) for the caller to submit at once, unless an older message to the
-- same number is still queued or being sent (messages to one number keep their order). A claim
-- names its instance (`claimedBy`) when the caller gives one.
--
-- On a server, two replies to one number committed at once would each miss the other's uncommitted
-- row and both claim theirs. The number's lock, taken first, puts them in turn; the statement that
-- follows it inside this function takes a new snapshot (a VOLATILE function under READ COMMITTED),
-- so the second one sees the first one's committed reply and queues behind it. The lock ends with
-- the statement's own transaction: one round trip instead of BEGIN, lock, insert, COMMIT.
CREATE FUNCTION sms_reply_claim(p_mo_id bigint, p_outcome text, p_msisdn text, p_sender text, p_text text,
                                p_at timestamptz, p_mode text, p_kind text, p_sent_via text, p_claimed_by text)
RETURNS TABLE (reply_id bigint, reply_status text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF p_mode = 'claim' THEN
    PERFORM pg_advisory_xact_lock(hashtext('sms-mt:' || p_msisdn));
  END IF;
  RETURN QUERY
  WITH st AS (
       SELECT CASE WHEN p_mode = 'sent' THEN 'sent'
                   WHEN p_mode = 'claim' AND NOT EXISTS (SELECT 1 FROM sms_message o
                                                         WHERE o.direction = 'mt' AND o.msisdn = p_msisdn AND o.status IN ('queued', 'sending')) THEN 'sending'
                   ELSE 'queued' END AS status),
     ins AS (
       INSERT INTO sms_message (direction, msisdn, short_code, text, status, created_at, attempts, meta)
       SELECT 'mt', p_msisdn, p_sender, p_text, st.status, p_at, CASE WHEN st.status = 'sending' THEN 1 ELSE 0 END,
              jsonb_build_object('kind', p_kind) || CASE st.status WHEN 'sent' THEN jsonb_build_object('transport', p_sent_via)
                                                                 WHEN 'sending' THEN jsonb_build_object('claimedAt', p_at)
                                                                                    || CASE WHEN p_claimed_by IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('claimedBy', p_claimed_by) END
                                                                 ELSE '{}'::jsonb END
         FROM st
       RETURNING sms_message.id, sms_message.status),
     handled AS (
       UPDATE sms_message m SET status = 'handled', meta = m.meta || jsonb_build_object('outcome', p_outcome, 'reply', (SELECT ins.id FROM ins))
        WHERE m.id = p_mo_id AND m.direction = 'mo')
  SELECT ins.id::bigint, ins.status::text FROM ins;
END
$$;
