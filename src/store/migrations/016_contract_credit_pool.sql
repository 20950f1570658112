-- The corporate trust limit is one pool per contract, shared by the contract's numbers (issue 7).
-- Each number keeps its own account and balance; an account of a contract's number names the
-- contract whose pool it draws on. Its own credit_limit no longer counts (the contract's limit
-- used to be copied onto every number, which multiplied it by the number of numbers): what a
-- pooled number may spend is its balance plus what is left of the pool after the other numbers'
-- debts (see src/domain/ledger/funds.ts).
--
-- Lock order: a paid action of a pooled number locks the contract row first, then the account
-- (src/domain/subscribers/access.ts). Statements that lock accounts only (usage rating, fee runs,
-- the ledger trigger of 015) never wait on a contract, so the two orders cannot form a cycle.
ALTER TABLE account ADD COLUMN pool_contract_id bigint REFERENCES contract(id);

UPDATE account a SET pool_contract_id = s.contract_id, credit_limit = 0
  FROM subscriber s WHERE s.account_id = a.id AND s.contract_id IS NOT NULL;

-- The pool's debt is summed over the contract's accounts below zero.
CREATE INDEX account_pool ON account(pool_contract_id, balance) WHERE pool_contract_id IS NOT NULL;
