"""report stamps: counters the database moves on when what a remembered roll-up counted changes

Revision ID: c51d0e7a9b42
Revises: a20f19e5c0de
Create Date: 2026-12-07 20:30:00

A finished month's roll-up counts (app/reports/remembered.py) are kept in each process while
nothing they were counted from has changed. Triggers move two counters on, in the transaction of
the change, whichever process or path writes (the ORM, Core, a sync import's COPY, raw SQL):

- `roster`: any write to sites, people or units (who serves whom, the party members, the kinds);
- `months`: any write to site_months of a month at least OLD_MONTH_DAYS old. A month is
  remembered only from its first day + 33 days (remembered.SETTLED_DAYS), so a write to a month
  that may be remembered always moves `months` on, and the kiosk's sign-ins and the day's
  imports, which write this month's figures, never wait on the counter's row.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c51d0e7a9b42'
down_revision = 'a20f19e5c0de'
branch_labels = None
depends_on = None

ROSTER = ('sites', 'people', 'units')
OLD_MONTH_DAYS = 27


def bump(name: str, random: str) -> str:
    """Move a counter on; a counter made anew (its row deleted) gets a new random epoch, so it
    never reads as an earlier counter did after as many changes."""
    return (f"INSERT INTO report_stamps (name, n, epoch) VALUES ('{name}', 1, {random}) "
            "ON CONFLICT (name) DO UPDATE SET n = report_stamps.n + 1")


PG_RANDOM = "substr(md5(random()::text || clock_timestamp()::text), 1, 16)"
SQLITE_RANDOM = "hex(randomblob(8))"


def upgrade():
    op.create_table('report_stamps',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.Column('epoch', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql()
    else:
        _sqlite()


def _postgresql():
    # once a statement: a bulk import moves the counter on once, not once a row
    for name in ('roster', 'months'):
        op.execute(f"CREATE FUNCTION report_stamp_{name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {bump(name, PG_RANDOM)}; RETURN NULL; END $$")
    for table in ROSTER:
        op.execute(f"CREATE TRIGGER {table}_report_stamp AFTER INSERT OR UPDATE OR DELETE OR "
                   f"TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION report_stamp_roster()")
    op.execute("CREATE FUNCTION report_stamp_old_months() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN IF EXISTS (SELECT 1 FROM changed WHERE month <= CURRENT_DATE - "
               f"{OLD_MONTH_DAYS}) THEN {bump('months', PG_RANDOM)}; END IF; RETURN NULL; END $$")
    for event, rows in (('INSERT', 'NEW'), ('UPDATE', 'OLD'), ('DELETE', 'OLD')):
        # an UPDATE keeps a row's month (the key): its old rows say which month it was
        op.execute(f"CREATE TRIGGER site_months_report_stamp_{event.lower()} AFTER {event} ON "
                   f"site_months REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT "
                   "EXECUTE FUNCTION report_stamp_old_months()")
    op.execute("CREATE TRIGGER site_months_report_stamp_truncate AFTER TRUNCATE ON site_months "
               "FOR EACH STATEMENT EXECUTE FUNCTION report_stamp_months()")


def _sqlite():
    # SQLite has row triggers only
    for table in ROSTER:
        for event in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_report_stamp_{event.lower()} AFTER {event} ON "
                       f"{table} BEGIN {bump('roster', SQLITE_RANDOM)}; END")
    old = f"<= date('now', '-{OLD_MONTH_DAYS} days')"
    for event, when in (('INSERT', f'NEW.month {old}'),
                        ('UPDATE', f'NEW.month {old} OR OLD.month {old}'),
                        ('DELETE', f'OLD.month {old}')):
        op.execute(f"CREATE TRIGGER site_months_report_stamp_{event.lower()} AFTER {event} ON "
                   f"site_months WHEN {when} BEGIN {bump('months', SQLITE_RANDOM)}; END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in ROSTER:
            op.execute(f"DROP TRIGGER {table}_report_stamp ON {table}")
        for event in ('insert', 'update', 'delete', 'truncate'):
            op.execute(f"DROP TRIGGER site_months_report_stamp_{event} ON site_months")
        for name in ('roster', 'months', 'old_months'):
            op.execute(f"DROP FUNCTION report_stamp_{name}()")
    else:
        for table in (*ROSTER, 'site_months'):
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_report_stamp_{event}")
    op.drop_table('report_stamps')
