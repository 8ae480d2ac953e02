DROP TABLE brand_images;
ALTER TABLE workspace DROP COLUMN brand_favicon_sha;
ALTER TABLE workspace DROP COLUMN brand_logo_height;
ALTER TABLE workspace DROP COLUMN brand_logo_width;
ALTER TABLE workspace DROP COLUMN brand_logo_sha;
ALTER TABLE workspace DROP COLUMN brand_website;
ALTER TABLE workspace DROP COLUMN brand_phone;
ALTER TABLE workspace DROP COLUMN brand_address;
