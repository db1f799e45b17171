"""The events the method's plan deadlines count from (issue 13): a request to put the plan in writing (14 days) and
the decision not to make a familiegroepsplan (6 weeks).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # filled in by the change that owns this revision


def downgrade() -> None:
    pass
