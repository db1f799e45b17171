"""Aanspreekpunt exclusions per klant: each klant keeps their own list; the aanspreekpunt gets none of the union.

One list per household let one klant (a 13-year-old included) undo what another had excluded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _table(name: str, primary_key: tuple[str, ...]) -> None:
    op.create_table(name,
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('sections', sa.String(length=200), nullable=False),
    sa.Column('set_by', sa.String(length=36), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.PrimaryKeyConstraint(*primary_key, name=f'pk_{name}')
    )


def upgrade() -> None:
    _table('aanspreekpunt_uitsluiting_new', ('household_id', 'set_by'))
    op.execute("INSERT INTO aanspreekpunt_uitsluiting_new (household_id, sections, set_by, set_at) "
               "SELECT household_id, sections, set_by, set_at FROM aanspreekpunt_uitsluiting")
    op.drop_table('aanspreekpunt_uitsluiting')
    op.rename_table('aanspreekpunt_uitsluiting_new', 'aanspreekpunt_uitsluiting')


def downgrade() -> None:
    _table('aanspreekpunt_uitsluiting_old', ('household_id',))
    # one list per household again: the most recently set one
    op.execute("INSERT INTO aanspreekpunt_uitsluiting_old (household_id, sections, set_by, set_at) "
               "SELECT household_id, sections, set_by, set_at FROM aanspreekpunt_uitsluiting u "
               "WHERE set_at = (SELECT max(set_at) FROM aanspreekpunt_uitsluiting v "
               "WHERE v.household_id = u.household_id)")
    op.drop_table('aanspreekpunt_uitsluiting')
    op.rename_table('aanspreekpunt_uitsluiting_old', 'aanspreekpunt_uitsluiting')
