DROP TABLE setup_codes;
