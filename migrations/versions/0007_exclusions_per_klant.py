"""Aanspreekpunt exclusions per klant: each klant keeps their own list; the aanspreekpunt gets none of the union.

One list per household let one klant (a 13-year-old included) undo what another had excluded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


SECTION_ORDER = ("algemeen", "krachten_zorgen", "analyse", "doelen", "voorzieningen", "veiligheidsplan", "afspraken")


def _table(name: str, primary_key: tuple[str, ...], pk_name: str, fk_name: str) -> None:
    """The table under a temporary name, with the constraint names it keeps after the rename."""
    op.create_table(
        name,
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("sections", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"], name=fk_name),
        sa.PrimaryKeyConstraint(*primary_key, name=pk_name),
    )


def upgrade() -> None:
    _table(
        "aanspreekpunt_uitsluiting_new",
        ("household_id", "set_by"),
        "pk_aanspreekpunt_uitsluiting",
        "fk_aanspreekpunt_uitsluiting_household",
    )
    op.execute(
        "INSERT INTO aanspreekpunt_uitsluiting_new (household_id, sections, set_by, set_at) "
        "SELECT household_id, sections, set_by, set_at FROM aanspreekpunt_uitsluiting"
    )
    op.drop_table("aanspreekpunt_uitsluiting")
    op.rename_table("aanspreekpunt_uitsluiting_new", "aanspreekpunt_uitsluiting")


def downgrade() -> None:
    # one list per household again: the union of every klant's list (never less kept back than now);
    # the names are those 0006 got by default on PostgreSQL
    _table(
        "aanspreekpunt_uitsluiting_old",
        ("household_id",),
        "aanspreekpunt_uitsluiting_pkey",
        "aanspreekpunt_uitsluiting_household_id_fkey",
    )
    bind = op.get_bind()
    merged: dict[str, tuple[set[str], str, object]] = {}
    for household_id, sections, set_by, set_at in bind.execute(
        sa.text("SELECT household_id, sections, set_by, set_at FROM aanspreekpunt_uitsluiting ORDER BY set_at")
    ):
        kept, _, _ = merged.get(household_id, (set(), "", None))
        merged[household_id] = (kept | {s for s in sections.split(",") if s}, set_by, set_at)
    for household_id, (kept, set_by, set_at) in merged.items():
        bind.execute(
            sa.text(
                "INSERT INTO aanspreekpunt_uitsluiting_old (household_id, sections, set_by, set_at) "
                "VALUES (:h, :s, :b, :a)"
            ),
            {"h": household_id, "s": ",".join(k for k in SECTION_ORDER if k in kept), "b": set_by, "a": set_at},
        )
    op.drop_table("aanspreekpunt_uitsluiting")
    op.rename_table("aanspreekpunt_uitsluiting_old", "aanspreekpunt_uitsluiting")
