-- Policies and procedures published for comment: each version of a policy (never edited; the
-- next version carries its change summary), the working group's comments on a version, and
-- staff's disposition of each comment (once). The SQLite migration of the same name creates
-- the same tables.

CREATE TABLE policy_versions (
    policy_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    change_summary TEXT NOT NULL,
    published_by UUID REFERENCES users (id),
    published_at TIMESTAMPTZ NOT NULL,
    comment_until TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (policy_key, version)
);

CREATE TABLE policy_comments (
    id UUID PRIMARY KEY,
    policy_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    author_id UUID REFERENCES users (id),
    author_label TEXT NOT NULL,
    text TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (policy_key, version) REFERENCES policy_versions (policy_key, version)
);
CREATE INDEX policy_comments_policy ON policy_comments (policy_key, version);

CREATE TABLE policy_comment_dispositions (
    comment_id UUID PRIMARY KEY REFERENCES policy_comments (id),
    disposition TEXT NOT NULL CHECK (disposition IN ('accepted', 'accepted_in_part', 'not_accepted', 'noted')),
    response TEXT NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER policy_versions_no_change BEFORE UPDATE OR DELETE ON policy_versions
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER policy_comments_no_change BEFORE UPDATE OR DELETE ON policy_comments
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER policy_comment_dispositions_no_change BEFORE UPDATE OR DELETE ON policy_comment_dispositions
FOR EACH ROW EXECUTE FUNCTION history_append_only();
