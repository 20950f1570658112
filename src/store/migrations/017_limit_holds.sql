-- "Block paid extras" suspends a corporate number's connected paid extras when its monthly spending
-- limit is reached: such a product instance rests in status 'limit_suspended' (no recurring fee is
-- charged, and a top-up does not resume it as it does a 'suspended' one) until the number's next
-- local month begins or an admin raises or removes the limit.
ALTER TABLE product_instance DROP CONSTRAINT product_instance_status_check;
ALTER TABLE product_instance ADD CONSTRAINT product_instance_status_check CHECK (status IN ('active', 'suspended', 'disabled', 'limit_suspended'));
CREATE INDEX product_instance_limit_suspended ON product_instance(subscriber_id) WHERE status = 'limit_suspended';

-- Monthly expense reports in the language(s) the company's contract admin chose: Russian (the
-- default), English, or both; one stored report per customer, month and language.
ALTER TABLE customer ADD COLUMN report_languages text[] NOT NULL DEFAULT '{ru}'
  CHECK (report_languages <@ '{ru,en}'::text[] AND cardinality(report_languages) > 0);
ALTER TABLE business_report ADD COLUMN language text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en'));
ALTER TABLE business_report DROP CONSTRAINT business_report_customer_id_month_key;
ALTER TABLE business_report ADD CONSTRAINT business_report_customer_month_language UNIQUE (customer_id, month, language);
