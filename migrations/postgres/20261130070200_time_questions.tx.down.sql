DROP TABLE time_question_messages;
DROP TABLE time_questions;
