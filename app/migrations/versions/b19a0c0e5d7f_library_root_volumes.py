"""library roots on removable volumes: the volume's label, UUID, fingerprint, and offline

Revision ID: b19a0c0e5d7f
Revises: 121872854efb
Create Date: 2026-12-07 14:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b19a0c0e5d7f'
down_revision = '121872854efb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('library_roots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('volume_label', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('volume_uuid', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('volume_fingerprint', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('volume_subpath', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('offline_since', sa.DateTime(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_library_roots_volume_uuid'), ['volume_uuid'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('library_roots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_library_roots_volume_uuid'))
        batch_op.drop_column('offline_since')
        batch_op.drop_column('volume_subpath')
        batch_op.drop_column('volume_fingerprint')
        batch_op.drop_column('volume_uuid')
        batch_op.drop_column('volume_label')
