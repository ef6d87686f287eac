"""file entries: damaged state, when found, last integrity check

Revision ID: b7f3c2a91d04
Revises: 8ad84c044ae7
Create Date: 2026-12-07 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7f3c2a91d04'
down_revision = '8ad84c044ae7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('file_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('damaged', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('damaged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_file_entries_damaged'), ['damaged'], unique=False)


def downgrade():
    with op.batch_alter_table('file_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_file_entries_damaged'))
        batch_op.drop_column('checked_at')
        batch_op.drop_column('damaged_at')
        batch_op.drop_column('damaged')
