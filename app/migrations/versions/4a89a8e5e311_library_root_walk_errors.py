"""library roots: what the last scan could not index (pipes, dangling links, link loops)

Revision ID: 4a89a8e5e311
Revises: af85314f2c27
Create Date: 2026-12-07 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a89a8e5e311'
down_revision = 'af85314f2c27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('library_roots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_errors', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('library_roots', schema=None) as batch_op:
        batch_op.drop_column('walk_errors')
