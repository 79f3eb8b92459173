-- Forced labor screening: each import of a watch list (a snapshot; screening reads each list's
-- latest), members' supply-chain maps (suppliers added, and removed by a separate record), and
-- the reviews of screening hits (the latest counts). All append-only. The PostgreSQL migration of
-- the same name creates the same tables.

CREATE TABLE watch_list_imports (
    id INTEGER PRIMARY KEY NOT NULL,
    list TEXT NOT NULL CHECK (list IN ('entity_list', 'wro', 'finding')),
    file_name TEXT NOT NULL,
    imported_by BLOB REFERENCES users (id),
    imported_at TEXT NOT NULL,
    entries INTEGER NOT NULL
);

CREATE TABLE watch_list_entries (
    import_id BIGINT NOT NULL REFERENCES watch_list_imports (id),
    position INTEGER NOT NULL,
    entity TEXT NOT NULL,
    country TEXT NOT NULL,
    manufacturer_id TEXT,
    commodity TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    PRIMARY KEY (import_id, position)
);

CREATE TABLE supply_chain_suppliers (
    id BLOB PRIMARY KEY,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    tier INTEGER NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    manufacturer_id TEXT,
    commodity TEXT NOT NULL,
    added_by BLOB REFERENCES users (id),
    added_at TEXT NOT NULL
);
CREATE INDEX supply_chain_suppliers_account ON supply_chain_suppliers (account_id);

CREATE TABLE supply_chain_removals (
    supplier_id BLOB PRIMARY KEY REFERENCES supply_chain_suppliers (id),
    removed_by BLOB REFERENCES users (id),
    removed_at TEXT NOT NULL
);

CREATE TABLE screening_reviews (
    sequence INTEGER PRIMARY KEY NOT NULL,
    account_id BLOB NOT NULL REFERENCES accounts (id),
    supplier_id BLOB NOT NULL REFERENCES supply_chain_suppliers (id),
    entry_key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'false_positive')),
    note TEXT NOT NULL,
    by_user BLOB REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX screening_reviews_account ON screening_reviews (account_id);
CREATE TRIGGER watch_list_imports_no_update BEFORE UPDATE ON watch_list_imports
BEGIN SELECT RAISE(ABORT, 'watch_list_imports is append-only'); END;
CREATE TRIGGER watch_list_imports_no_delete BEFORE DELETE ON watch_list_imports
BEGIN SELECT RAISE(ABORT, 'watch_list_imports is append-only'); END;
CREATE TRIGGER watch_list_entries_no_update BEFORE UPDATE ON watch_list_entries
BEGIN SELECT RAISE(ABORT, 'watch_list_entries is append-only'); END;
CREATE TRIGGER watch_list_entries_no_delete BEFORE DELETE ON watch_list_entries
BEGIN SELECT RAISE(ABORT, 'watch_list_entries is append-only'); END;
CREATE TRIGGER supply_chain_suppliers_no_update BEFORE UPDATE ON supply_chain_suppliers
BEGIN SELECT RAISE(ABORT, 'supply_chain_suppliers is append-only'); END;
CREATE TRIGGER supply_chain_suppliers_no_delete BEFORE DELETE ON supply_chain_suppliers
BEGIN SELECT RAISE(ABORT, 'supply_chain_suppliers is append-only'); END;
CREATE TRIGGER supply_chain_removals_no_update BEFORE UPDATE ON supply_chain_removals
BEGIN SELECT RAISE(ABORT, 'supply_chain_removals is append-only'); END;
CREATE TRIGGER supply_chain_removals_no_delete BEFORE DELETE ON supply_chain_removals
BEGIN SELECT RAISE(ABORT, 'supply_chain_removals is append-only'); END;
CREATE TRIGGER screening_reviews_no_update BEFORE UPDATE ON screening_reviews
BEGIN SELECT RAISE(ABORT, 'screening_reviews is append-only'); END;
CREATE TRIGGER screening_reviews_no_delete BEFORE DELETE ON screening_reviews
BEGIN SELECT RAISE(ABORT, 'screening_reviews is append-only'); END;
