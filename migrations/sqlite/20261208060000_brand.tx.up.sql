-- The MSP's brand (Settings → Brand). The contact details print in every
-- e-mail's footer (the contact address is the existing support_email). The
-- logo's and favicon's hashes are on the workspace row, which every page
-- reads from the settings cache, so a page names the current image URL
-- without reading the images; the images themselves (re-encoded PNGs of a
-- bounded size) are in brand_images, read only when one is served.
-- brand_color was set at setup but never shown; the stylesheet's own
-- accent is what every page has used, so it becomes the stored one.
UPDATE workspace SET brand_color = '#2f54d1' WHERE brand_color = '#2563eb';
ALTER TABLE workspace ADD COLUMN brand_address TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace ADD COLUMN brand_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace ADD COLUMN brand_website TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace ADD COLUMN brand_logo_sha TEXT NOT NULL DEFAULT '';
ALTER TABLE workspace ADD COLUMN brand_logo_width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workspace ADD COLUMN brand_logo_height INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workspace ADD COLUMN brand_favicon_sha TEXT NOT NULL DEFAULT '';

CREATE TABLE brand_images (
    kind       TEXT PRIMARY KEY CHECK (kind IN ('logo', 'favicon')),
    sha256     TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    data       BLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
