-- Periodic jobs that one replica at a time should run: whoever moves next_at forward first runs
-- the job, the others skip it until then.
CREATE TABLE notification_jobs (
    name    TEXT PRIMARY KEY,
    next_at BIGINT NOT NULL -- unix milliseconds
);
INSERT INTO notification_jobs (name, next_at) VALUES ('retention', 0);
