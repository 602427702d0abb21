-- A database shaped like production, for the table-restore and whole-database tests (issue 19):
-- inheritance, partitions, identity and generated columns, enums, domains, composite types,
-- citext and hstore, an unlogged table, a deferrable foreign-key cycle, FORCE ROW LEVEL
-- SECURITY, triggers (one ALWAYS), a rule, large objects, a materialized view, and names that
-- need quoting (spaces, quotes, unicode, upper case). Loaded with psql -v ON_ERROR_STOP=1.
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbt_app_owner') THEN CREATE ROLE lbt_app_owner NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbt_app_reader') THEN CREATE ROLE lbt_app_reader NOLOGIN; END IF;
END $$;

CREATE EXTENSION citext;
CREATE EXTENSION hstore;
CREATE SCHEMA "Sales Dept";
CREATE SCHEMA archive;

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TYPE address AS (street text, city text);

-- Inheritance: rows of the child are seen through the parent, but are not the parent's.
CREATE TABLE measurements (id bigserial PRIMARY KEY, taken_at timestamptz NOT NULL, reading numeric);
CREATE TABLE measurements_2025 (station text) INHERITS (measurements);
INSERT INTO measurements (taken_at, reading) SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 50) i;
INSERT INTO measurements_2025 (taken_at, reading, station) SELECT '2025-01-01'::timestamptz + i * interval '1 hour', i * 2, 's' || i % 3 FROM generate_series(1, 70) i;

-- Declarative partitions, with an identity column.
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, happened date NOT NULL, kind mood, payload hstore,
                     PRIMARY KEY (id, happened)) PARTITION BY RANGE (happened);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO events (happened, kind, payload)
SELECT '2025-01-01'::date + i * 3, (ARRAY['sad', 'ok', 'happy'])[i % 3 + 1]::mood, hstore('n', i::text) FROM generate_series(1, 200) i;

-- Names that need quoting; a serial, a domain, a composite and a generated column.
CREATE TABLE "Sales Dept"."Order Items" (id serial PRIMARY KEY, "Item Name" citext, qty positive_int, shipped_to address,
                                         total integer GENERATED ALWAYS AS (qty * 2) STORED);
INSERT INTO "Sales Dept"."Order Items" ("Item Name", qty, shipped_to)
SELECT 'Item ' || i, i, ROW('Street ' || i, CASE WHEN i % 2 = 0 THEN 'Zürich' ELSE 'Oslo' END)::address FROM generate_series(1, 40) i;
CREATE TABLE "Überprüfung ""x""" (id int PRIMARY KEY, note text);
INSERT INTO "Überprüfung ""x""" SELECT i, 'note ' || i || E' with a tab\tand a backslash \\' FROM generate_series(1, 25) i;
CREATE TABLE "UPPER" (id int PRIMARY KEY);
INSERT INTO "UPPER" SELECT generate_series(1, 5);

-- Triggers: an ordinary one that would change rows, and an ALWAYS one that would write elsewhere.
CREATE TABLE audited (id serial PRIMARY KEY, v text);
CREATE TABLE audit_log (id serial PRIMARY KEY, msg text);
CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := NEW.v || '!'; RETURN NEW; END $$;
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (msg) VALUES (TG_OP || ' ' || coalesce(NEW.v, OLD.v));
    RETURN coalesce(NEW, OLD);
END $$;
INSERT INTO audited (v) SELECT 'row ' || i FROM generate_series(1, 30) i;
CREATE TRIGGER audited_shout BEFORE INSERT ON audited FOR EACH ROW EXECUTE FUNCTION shout();
CREATE TRIGGER audited_always AFTER INSERT OR DELETE ON audited FOR EACH ROW EXECUTE FUNCTION audit();
ALTER TABLE audited ENABLE ALWAYS TRIGGER audited_always;

-- A rule that turns DELETE into nothing.
CREATE TABLE ruled (id int PRIMARY KEY, v text);
INSERT INTO ruled SELECT i, 'r' || i FROM generate_series(1, 20) i;
CREATE RULE ruled_keeps_rows AS ON DELETE TO ruled DO INSTEAD NOTHING;

-- Row-level security that even the owner is under.
CREATE TABLE secrets (id int PRIMARY KEY, owner_name text NOT NULL, body text);
INSERT INTO secrets SELECT i, CASE WHEN i % 2 = 0 THEN 'alice' ELSE 'bob' END, 'secret ' || i FROM generate_series(1, 20) i;
ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON secrets USING (owner_name = current_user);
ALTER TABLE secrets OWNER TO lbt_app_owner;
GRANT SELECT ON secrets TO lbt_app_reader;

CREATE UNLOGGED TABLE scratchpad (k text PRIMARY KEY, v text);
INSERT INTO scratchpad VALUES ('a', '1'), ('b', '2');

-- A deferrable foreign-key cycle.
CREATE TABLE team (id int PRIMARY KEY, captain int);
CREATE TABLE player (id int PRIMARY KEY, team_id int REFERENCES team DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE team ADD CONSTRAINT team_captain_fkey FOREIGN KEY (captain) REFERENCES player DEFERRABLE INITIALLY DEFERRED;
BEGIN;
INSERT INTO team VALUES (1, 10), (2, 20);
INSERT INTO player VALUES (10, 1), (11, 1), (20, 2), (21, 2);
COMMIT;

-- A plain foreign-key pair, and a second table of the same name in another schema.
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, placed date);
INSERT INTO customers (name) SELECT 'customer ' || i FROM generate_series(1, 20) i;
INSERT INTO orders (customer_id, placed) SELECT 1 + i % 20, '2025-01-01'::date + i FROM generate_series(1, 60) i;
CREATE TABLE archive.customers (id int PRIMARY KEY, name text);
INSERT INTO archive.customers VALUES (1, 'archived');

SELECT lo_from_bytea(0, convert_to('a large object', 'UTF8'));
CREATE MATERIALIZED VIEW order_counts AS SELECT customer_id, count(*) AS orders FROM orders GROUP BY customer_id;
