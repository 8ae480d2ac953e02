ALTER TABLE requests DROP COLUMN sla_policy_version_id;
DROP TABLE sla_policy_versions;
