-- eenplan's PostgreSQL roles: an owner that runs the migrations, an app role that serves.
--
-- Run with psql, connected to the eenplan database, with ON_ERROR_STOP:
--   first time, as a superuser (creates the roles, hands the database to the owner):
--     sudo -u postgres createdb eenplan
--     sudo -u postgres psql -v ON_ERROR_STOP=1 -d eenplan -f deploy/postgres/roles.sql
--     sudo -u postgres psql -c "ALTER ROLE eenplan_owner PASSWORD '…'" -c "ALTER ROLE eenplan_app PASSWORD '…'"
--   then after EVERY `eenplan migrate` (run as eenplan_owner), as eenplan_owner or a superuser — idempotent:
--     psql -v ON_ERROR_STOP=1 -d eenplan -U eenplan_owner -f deploy/postgres/roles.sql
--   (deploy/eenplan-migrate.service does both steps of an upgrade.)
--
-- What the app role may do to the NEN 7513 access log, and nothing more:
--   access_log       SELECT, INSERT            (append and read; never UPDATE, DELETE or TRUNCATE)
--   access_log_head  SELECT, INSERT, UPDATE    (the hash chain's head per household: created at a household's
--                                              first entry, locked FOR UPDATE and moved on every append;
--                                              never DELETE or TRUNCATE)
--   alembic_version  SELECT                    (only the owner migrates)
--   household_generation SELECT, INSERT, UPDATE (migration 0023's triggers run as the app role and renew a
--                                              household's row; the log batch locks it FOR SHARE, which needs
--                                              UPDATE; never DELETE or TRUNCATE)
-- Every other table: SELECT, INSERT, UPDATE, DELETE (sessions end, claims expire, rate-limit buckets are purged).
-- The app role owns nothing, so it can ALTER, DROP or CREATE nothing (no CREATE on the schema, no TEMP); the
-- append-only triggers of migration 0002 stay in force because only their owner could drop them.

\set ON_ERROR_STOP on

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eenplan_owner') THEN
        CREATE ROLE eenplan_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eenplan_app') THEN
        CREATE ROLE eenplan_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOINHERIT;
    END IF;
    -- the database and its public schema belong to the owner (public is owned by pg_database_owner in PG 15)
    IF (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) <> 'eenplan_owner' THEN
        EXECUTE format('ALTER DATABASE %I OWNER TO eenplan_owner', current_database());
    END IF;
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO eenplan_app', current_database());
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO eenplan_app;

-- tables (and sequences) the owner creates from now on: ordinary DML for the app, so new code finds its grants
-- between `eenplan migrate` and the next run of this file (a rolling upgrade's expand step)
ALTER DEFAULT PRIVILEGES FOR ROLE eenplan_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO eenplan_app;
ALTER DEFAULT PRIVILEGES FOR ROLE eenplan_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO eenplan_app;

-- the tables that exist now
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO eenplan_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO eenplan_app;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM eenplan_app;

DO $$
BEGIN
    IF to_regclass('public.access_log') IS NOT NULL THEN
        REVOKE ALL ON TABLE access_log FROM eenplan_app;
        GRANT SELECT, INSERT ON TABLE access_log TO eenplan_app;
    END IF;
    IF to_regclass('public.access_log_head') IS NOT NULL THEN
        REVOKE ALL ON TABLE access_log_head FROM eenplan_app;
        GRANT SELECT, INSERT, UPDATE ON TABLE access_log_head TO eenplan_app;
    END IF;
    IF to_regclass('public.household_generation') IS NOT NULL THEN
        REVOKE ALL ON TABLE household_generation FROM eenplan_app;
        GRANT SELECT, INSERT, UPDATE ON TABLE household_generation TO eenplan_app;
    END IF;
    IF to_regclass('public.alembic_version') IS NOT NULL THEN
        REVOKE ALL ON TABLE alembic_version FROM eenplan_app;
        GRANT SELECT ON TABLE alembic_version TO eenplan_app;
    END IF;
END
$$;
