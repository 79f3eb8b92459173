-- Mutual recognition: each import of a partner program's certificate list (a snapshot; a
-- lookup reads each program's latest) and the operators it listed. Append-only. The SQLite
-- migration of the same name creates the same tables.

CREATE TABLE foreign_operator_imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    arrangement_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    imported_by UUID REFERENCES users (id),
    imported_at TIMESTAMPTZ NOT NULL,
    operators INTEGER NOT NULL
);
CREATE INDEX foreign_operator_imports_arrangement ON foreign_operator_imports (arrangement_code);

CREATE TABLE foreign_operators (
    import_id BIGINT NOT NULL REFERENCES foreign_operator_imports (id),
    operator_id TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('certified', 'suspended', 'revoked')),
    valid_from DATE NOT NULL,
    valid_to DATE,
    PRIMARY KEY (import_id, operator_id)
);
CREATE INDEX foreign_operators_operator ON foreign_operators (operator_id);
CREATE TRIGGER foreign_operator_imports_no_change BEFORE UPDATE OR DELETE ON foreign_operator_imports
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER foreign_operators_no_change BEFORE UPDATE OR DELETE ON foreign_operators
FOR EACH ROW EXECUTE FUNCTION history_append_only();
