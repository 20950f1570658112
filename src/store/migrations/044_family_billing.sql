-- Family billing: what the group's plan shares. `shared_package`: members draw on the head's
-- packages (the tariff's and connected ones, not gifts) once their own are used up; `head_pays`:
-- the head's account pays members' recurring fees; `both`.
ALTER TABLE family_group ADD COLUMN plan text NOT NULL DEFAULT 'both' CHECK (plan IN ('shared_package', 'head_pays', 'both'));

-- Rating refuses a member's record that would pass the limit the head set (FAMILY_LIMIT).
ALTER TABLE usage_record DROP CONSTRAINT usage_record_refused_check;
ALTER TABLE usage_record ADD CONSTRAINT usage_record_refused_check CHECK (refused IN ('SPENDING_CAP', 'ROAMING_CAP', 'DATA_CAP', 'FAMILY_LIMIT'));
ALTER TABLE alert DROP CONSTRAINT alert_kind_check;
ALTER TABLE alert ADD CONSTRAINT alert_kind_check
  CHECK (kind IN ('low_balance', 'package_80', 'package_100', 'daily_digest', 'cap_spending', 'cap_roaming', 'cap_data', 'cap_family'));

-- The data hard cap lifted ("continue for N ₽") until this instant: the end of the calendar month,
-- in the region's time, for which it was paid.
ALTER TABLE spending_cap ADD COLUMN data_lifted_until timestamptz;
