"""merge the area branches: chat, web, openings, agency

Revision ID: 0009
Revises: 0003, 0006, 0007, 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

revision = "0009"
down_revision = ("0003", "0006", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
