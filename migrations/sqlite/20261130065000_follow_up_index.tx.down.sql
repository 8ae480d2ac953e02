DROP INDEX requests_follow_up_of;
