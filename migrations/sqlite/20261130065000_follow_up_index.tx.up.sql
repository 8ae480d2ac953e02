-- A request page lists the follow-ups of its request: found through an
-- index, not by reading every request.
CREATE INDEX requests_follow_up_of ON requests (follow_up_of_id) WHERE follow_up_of_id IS NOT NULL;
