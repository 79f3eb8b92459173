-- Forced labor screening: each import of a watch list (a snapshot; screening reads each list's
-- latest), members' supply-chain maps (suppliers added, and removed by a separate record), and
-- the reviews of screening hits (the latest counts). All append-only. The SQLite migration of
-- the same name creates the same tables.

CREATE TABLE watch_list_imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list TEXT NOT NULL CHECK (list IN ('entity_list', 'wro', 'finding')),
    file_name TEXT NOT NULL,
    imported_by UUID REFERENCES users (id),
    imported_at TIMESTAMPTZ NOT NULL,
    entries INTEGER NOT NULL
);

CREATE TABLE watch_list_entries (
    import_id BIGINT NOT NULL REFERENCES watch_list_imports (id),
    position INTEGER NOT NULL,
    entity TEXT NOT NULL,
    country TEXT NOT NULL,
    manufacturer_id TEXT,
    commodity TEXT NOT NULL,
    effective_from DATE NOT NULL,
    effective_to DATE,
    PRIMARY KEY (import_id, position)
);

CREATE TABLE supply_chain_suppliers (
    id UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    tier INTEGER NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    manufacturer_id TEXT,
    commodity TEXT NOT NULL,
    added_by UUID REFERENCES users (id),
    added_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX supply_chain_suppliers_account ON supply_chain_suppliers (account_id);

CREATE TABLE supply_chain_removals (
    supplier_id UUID PRIMARY KEY REFERENCES supply_chain_suppliers (id),
    removed_by UUID REFERENCES users (id),
    removed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE screening_reviews (
    sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts (id),
    supplier_id UUID NOT NULL REFERENCES supply_chain_suppliers (id),
    entry_key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'false_positive')),
    note TEXT NOT NULL,
    by_user UUID REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX screening_reviews_account ON screening_reviews (account_id);
CREATE TRIGGER watch_list_imports_no_change BEFORE UPDATE OR DELETE ON watch_list_imports
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER watch_list_entries_no_change BEFORE UPDATE OR DELETE ON watch_list_entries
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER supply_chain_suppliers_no_change BEFORE UPDATE OR DELETE ON supply_chain_suppliers
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER supply_chain_removals_no_change BEFORE UPDATE OR DELETE ON supply_chain_removals
FOR EACH ROW EXECUTE FUNCTION history_append_only();
CREATE TRIGGER screening_reviews_no_change BEFORE UPDATE OR DELETE ON screening_reviews
FOR EACH ROW EXECUTE FUNCTION history_append_only();
