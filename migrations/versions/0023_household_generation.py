"""The household generation: a number every change deciding access moves (PostgreSQL hot read, issue 15).

On PostgreSQL a trigger on each table a read's access decision depends on (the household's version
pointer, its members, versions, consents, overmacht, escalation grants and token revocations) bumps the
household's row in `household_generation`, in the very transaction of the change: no write site can forget
it. The triggers are deferred constraint triggers, so the bump happens at commit, after every other lock the
transaction takes (the access-log batch locks a head, then the generation: the same order, no deadlock).
They run as the invoking role: the app role may update `household_generation` like any table of its own.
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

BUMP_FUNCTION = """
CREATE FUNCTION eenplan_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hh text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        hh := to_jsonb(OLD) ->> TG_ARGV[0];
    ELSE
        hh := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    IF hh IS NOT NULL AND hh <> 'monitoring' THEN
        INSERT INTO household_generation (household_id, generation) VALUES (hh, 1)
        ON CONFLICT (household_id) DO UPDATE SET generation = household_generation.generation + 1;
    END IF;
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
    op.execute("INSERT INTO household_generation (household_id, generation) SELECT id, 0 FROM household")
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
