"""The household generation: a value every change deciding access replaces (PostgreSQL hot read, issue 15).

On PostgreSQL a trigger on each table a read's access decision depends on (the household's version
pointer, its members, versions, consents, overmacht, escalation grants and token revocations) gives the
household's row in `household_generation` a fresh value, in the very transaction of the change: no write
site can forget it. A row moved to another household (an UPDATE of its household column) renews both.
The triggers are deferred constraint triggers, so the renewal happens at commit, after every other lock the
transaction takes; the access-log batch never waits for a generation row (FOR SHARE SKIP LOCKED: a row a
writer holds is a change in flight, and the deferred read is redone), so no cycle forms with a writer.

A generation is a random 63-bit value (from gen_random_uuid(), core in PostgreSQL 13+), never a counter:
only equality means anything. A counter could come back to a value a node remembered rows under (this
migration downgraded and upgraded again, a backup restored, a replica promoted that had not seen the last
changes, and then ordinary changes): those rows would be accepted again. A fresh value per change cannot
repeat; a restored snapshot carries exactly the value that matched its own data.
They run as the invoking role: the app role may insert and update `household_generation` (never delete).
SQLite gets the table only (one node; `data_version` decides there).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

#: (table, the column naming its household); token_revocation's scope is a household id or 'monitoring'
TRACKED = (
    ("household", "id"),
    ("betrokkene", "household_id"),
    ("plan_version", "household_id"),
    ("consent", "household_id"),
    ("overmacht", "household_id"),
    ("escalatie_grant", "household_id"),
    ("token_revocation", "scope"),
)

#: a fresh generation: 63 random bits (non-negative bigint) of a version-4 UUID
FRESH_FUNCTION = """
CREATE FUNCTION eenplan_fresh_generation() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT (('x' || translate(gen_random_uuid()::text, '-', ''))::bit(64)::bigint) & 9223372036854775807
$$
"""

BUMP_FUNCTION = """
CREATE FUNCTION eenplan_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_hh text;
    new_hh text;
    hh text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_hh := to_jsonb(OLD) ->> TG_ARGV[0];
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_hh := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    -- both households of a moved row, in one fixed order (two writers never lock them crosswise)
    FOR hh IN SELECT DISTINCT h FROM unnest(ARRAY[old_hh, new_hh]) AS h
              WHERE h IS NOT NULL AND h <> 'monitoring' ORDER BY h LOOP
        INSERT INTO household_generation (household_id, generation) VALUES (hh, eenplan_fresh_generation())
        ON CONFLICT (household_id) DO UPDATE SET generation = eenplan_fresh_generation();
    END LOOP;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "household_generation",
        sa.Column("household_id", sa.String(length=36), primary_key=True),
        sa.Column("generation", sa.BigInteger(), nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FRESH_FUNCTION)
    op.execute("ALTER TABLE household_generation ALTER COLUMN generation SET DEFAULT eenplan_fresh_generation()")
    op.execute(
        "INSERT INTO household_generation (household_id, generation) "
        "SELECT id, eenplan_fresh_generation() FROM household"
    )
    op.execute(BUMP_FUNCTION)
    for table, column in TRACKED:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER household_generation_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION eenplan_bump_generation('{column}')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in TRACKED:
            op.execute(f"DROP TRIGGER IF EXISTS household_generation_bump ON {table}")
        op.execute("DROP FUNCTION IF EXISTS eenplan_bump_generation()")
    op.drop_table("household_generation")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS eenplan_fresh_generation()")
