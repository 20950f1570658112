-- A balance stays far inside the integers JavaScript holds exactly (2^53 ≈ 9.007·10^15 kopecks):
-- past that, reading it back as a number would round it. 10^15 kopecks is ten trillion roubles;
-- a booking that would cross the bound is refused by this constraint and reported as
-- BALANCE_LIMIT_EXCEEDED (see src/domain/ledger/balance-bound.ts).
ALTER TABLE account ADD CONSTRAINT account_balance_bounded CHECK (balance BETWEEN -1000000000000000 AND 1000000000000000);
