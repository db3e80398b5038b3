"""Alembic environment: runs hand-written revisions with bounded lock and statement waits."""

from alembic import context
from sqlalchemy import create_engine, pool, text

from clientele.db import sqlalchemy_url

config = context.config

# A waiting ALTER blocks every query queued behind it: give up fast instead, and let the
# operator retry. Long backfills belong in `clientele legacy`, not in schema revisions.
LOCK_TIMEOUT = "2s"
STATEMENT_TIMEOUT = "5min"


def run_migrations_online() -> None:
    """Apply revisions on the URL the CLI put in the config attributes."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migration environment")
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))
        connection.execute(text(f"SET statement_timeout = '{STATEMENT_TIMEOUT}'"))
        connection.commit()
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) mode is not supported; run against a database")
run_migrations_online()
