-- Mutual recognition: each import of a partner program's certificate list (a snapshot; a
-- lookup reads each program's latest) and the operators it listed. Append-only. The PostgreSQL
-- migration of the same name creates the same tables.

CREATE TABLE foreign_operator_imports (
    id INTEGER PRIMARY KEY NOT NULL,
    arrangement_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    imported_by BLOB REFERENCES users (id),
    imported_at TEXT NOT NULL,
    operators INTEGER NOT NULL
);
CREATE INDEX foreign_operator_imports_arrangement ON foreign_operator_imports (arrangement_code);

CREATE TABLE foreign_operators (
    import_id BIGINT NOT NULL REFERENCES foreign_operator_imports (id),
    operator_id TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('certified', 'suspended', 'revoked')),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    PRIMARY KEY (import_id, operator_id)
);
CREATE INDEX foreign_operators_operator ON foreign_operators (operator_id);
CREATE TRIGGER foreign_operator_imports_no_update BEFORE UPDATE ON foreign_operator_imports
BEGIN SELECT RAISE(ABORT, 'foreign_operator_imports is append-only'); END;
CREATE TRIGGER foreign_operator_imports_no_delete BEFORE DELETE ON foreign_operator_imports
BEGIN SELECT RAISE(ABORT, 'foreign_operator_imports is append-only'); END;
CREATE TRIGGER foreign_operators_no_update BEFORE UPDATE ON foreign_operators
BEGIN SELECT RAISE(ABORT, 'foreign_operators is append-only'); END;
CREATE TRIGGER foreign_operators_no_delete BEFORE DELETE ON foreign_operators
BEGIN SELECT RAISE(ABORT, 'foreign_operators is append-only'); END;
