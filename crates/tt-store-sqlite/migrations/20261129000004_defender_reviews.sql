-- The Defender workflow: a member confirms ("this shipment is ours") or denies each alert; a
-- denial opens a case that agency staff close with an outcome. Both tables are append-only:
-- an alert's state is its latest review, a case is open until it has an outcome.

CREATE TABLE alert_reviews (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    entry_number TEXT NOT NULL,
    code TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'denied')),
    note TEXT,
    decided_by BLOB REFERENCES users (id),
    decided_at TEXT NOT NULL
);
CREATE INDEX alert_reviews_account ON alert_reviews (account_id);

CREATE TABLE alert_cases (
    id BLOB PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    entry_number TEXT NOT NULL,
    code TEXT NOT NULL,
    opened_by BLOB REFERENCES users (id),
    opened_at TEXT NOT NULL
);

CREATE TABLE alert_case_outcomes (
    case_id BLOB PRIMARY KEY NOT NULL REFERENCES alert_cases (id),
    outcome TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id),
    decided_at TEXT NOT NULL
);
