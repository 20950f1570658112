-- Every number has an account of its own (provisioning opens one per number; a company's numbers
-- share a contract and its credit pool, not an account). The index on subscriber.account_id
-- becomes unique, so the billing paths may rely on it: the number a batch reads for an account is
-- all of the account's numbers.
DROP INDEX subscriber_account;
CREATE UNIQUE INDEX subscriber_account ON subscriber(account_id);
