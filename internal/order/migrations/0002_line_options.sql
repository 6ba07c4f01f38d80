-- The ordered variant's options as a JSON object ({} for none), so two variants of one product
-- read apart on the order, its events and its mails. Orders from before have none.
ALTER TABLE order_lines ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
