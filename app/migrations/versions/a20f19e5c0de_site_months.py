"""kept monthly figures of each site (site_months)

Revision ID: a20f19e5c0de
Revises: b7f3c2a91d04
Create Date: 2026-12-07 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a20f19e5c0de'
down_revision = 'b7f3c2a91d04'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_months',
    sa.Column('site_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('screenings', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('group_sessions', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Float(), nullable=False),
    sa.Column('days_open', sa.Integer(), nullable=False),
    sa.Column('six_days', sa.Integer(), nullable=False),
    sa.Column('six_day_sessions', sa.Integer(), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('plan_sessions', sa.Integer(), nullable=False),
    sa.Column('plan_held', sa.Integer(), nullable=False),
    sa.Column('audit_flagged', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('study_minutes', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('site_id', 'month')
    )
    with op.batch_alter_table('site_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_months_month'), ['month'], unique=False)


def downgrade():
    with op.batch_alter_table('site_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_months_month'))
    op.drop_table('site_months')
