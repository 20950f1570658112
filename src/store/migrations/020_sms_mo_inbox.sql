-- Mobile-originated SMS now stay `received` until answered (`handled`), so a message whose
-- instance died before replying is taken up again. Messages kept before this were all answered.
UPDATE sms_message SET status = 'handled' WHERE direction = 'mo' AND status = 'received';
CREATE INDEX sms_message_mo_unhandled ON sms_message(created_at) WHERE direction = 'mo' AND status IN ('received', 'recovering');

-- The parts of a long message are kept, marked assembled, for a while after the whole message is
-- recorded: the SMSC redelivering a part it saw no answer to is then recognised and dropped.
ALTER TABLE sms_mo_part ADD COLUMN assembled_at timestamptz;
