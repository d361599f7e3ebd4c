-- What the store says each variant weighs and measures (issue 15), in kg and cm as decimal
-- strings; NULL where the store has no figure, so the shop's package defaults apply.
ALTER TABLE store_variants ADD COLUMN weight_kg TEXT;
ALTER TABLE store_variants ADD COLUMN length_cm TEXT;
ALTER TABLE store_variants ADD COLUMN width_cm TEXT;
ALTER TABLE store_variants ADD COLUMN height_cm TEXT;
