-- Policies and procedures published for comment: each version of a policy (never edited; the
-- next version carries its change summary), the working group's comments on a version, and
-- staff's disposition of each comment (once). The PostgreSQL migration of the same name creates
-- the same tables.

CREATE TABLE policy_versions (
    policy_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    change_summary TEXT NOT NULL,
    published_by BLOB REFERENCES users (id),
    published_at TEXT NOT NULL,
    comment_until TEXT NOT NULL,
    PRIMARY KEY (policy_key, version)
);

CREATE TABLE policy_comments (
    id BLOB PRIMARY KEY,
    policy_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    author_id BLOB REFERENCES users (id),
    author_label TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    FOREIGN KEY (policy_key, version) REFERENCES policy_versions (policy_key, version)
);
CREATE INDEX policy_comments_policy ON policy_comments (policy_key, version);

CREATE TABLE policy_comment_dispositions (
    comment_id BLOB PRIMARY KEY REFERENCES policy_comments (id),
    disposition TEXT NOT NULL CHECK (disposition IN ('accepted', 'accepted_in_part', 'not_accepted', 'noted')),
    response TEXT NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE TRIGGER policy_versions_no_update BEFORE UPDATE ON policy_versions
BEGIN SELECT RAISE(ABORT, 'policy_versions is append-only'); END;
CREATE TRIGGER policy_versions_no_delete BEFORE DELETE ON policy_versions
BEGIN SELECT RAISE(ABORT, 'policy_versions is append-only'); END;
CREATE TRIGGER policy_comments_no_update BEFORE UPDATE ON policy_comments
BEGIN SELECT RAISE(ABORT, 'policy_comments is append-only'); END;
CREATE TRIGGER policy_comments_no_delete BEFORE DELETE ON policy_comments
BEGIN SELECT RAISE(ABORT, 'policy_comments is append-only'); END;
CREATE TRIGGER policy_comment_dispositions_no_update BEFORE UPDATE ON policy_comment_dispositions
BEGIN SELECT RAISE(ABORT, 'policy_comment_dispositions is append-only'); END;
CREATE TRIGGER policy_comment_dispositions_no_delete BEFORE DELETE ON policy_comment_dispositions
BEGIN SELECT RAISE(ABORT, 'policy_comment_dispositions is append-only'); END;
