DROP TABLE rating_tokens;
DROP TABLE request_ratings;
