-- TMF678 tells its hub listeners of each bill the job issues (customerBillCreateEvent), once:
-- bills are immutable, so what has been told is kept beside them. Bills issued before this
-- migration count as told.
CREATE TABLE bill_told (
  bill_id  uuid PRIMARY KEY REFERENCES bill(id),
  told_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO bill_told (bill_id) SELECT id FROM bill;
