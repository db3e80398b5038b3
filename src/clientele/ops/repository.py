"""What operating Clientele asks the database server: the schema revision (/readyz, read
replicas), a replica's replay position, the primary's WAL position, and the legacy
migration's progress (/metrics).

These read the server's own state, not a feature's rows; they are here so that, as everywhere
else, SQL lives in repositories only (tests/architecture/test_sql_in_repositories.py).
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_SCHEMA_VERSION = text("SELECT version_num FROM alembic_version")
_SCHEMA_VERSION_IF_ANY = text(
    "SELECT CASE WHEN to_regclass('alembic_version') IS NULL THEN NULL"
    " ELSE (SELECT max(version_num) FROM alembic_version) END"
)
_REPLICA_POSITION = text(
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, pg_is_wal_replay_paused(),"
    " CASE WHEN pg_last_wal_receive_lsn() IS NULL"
    "       OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0"
    "  ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)
_PRIMARY_POSITION = text("SELECT pg_current_wal_lsn()::text")
_LEGACY_STATE_EXISTS = text("SELECT to_regclass('legacy_migration_state') IS NOT NULL")
_LEGACY_STATE = text(
    "SELECT key, value FROM legacy_migration_state"
    " WHERE key IN ('schema', 'customers', 'tickets', 'migrate', 'finalize_started')"
)


async def schema_version(conn: AsyncConnection) -> str | None:
    """The Alembic revision the database is at (None when it has none)."""
    version: str | None = (await conn.execute(_SCHEMA_VERSION)).scalar_one_or_none()
    return version


async def schema_version_if_any(conn: AsyncConnection) -> str | None:
    """The highest Alembic revision, or None when there is no alembic_version table (yet)."""
    version: str | None = (await conn.execute(_SCHEMA_VERSION_IF_ANY)).scalar()
    return version


@dataclass(frozen=True, slots=True)
class ReplayPosition:
    """Where a server stands as a streaming replica."""

    in_recovery: bool
    replay_lsn: str | None
    paused: bool
    lag_s: float


async def replay_position(conn: AsyncConnection) -> ReplayPosition:
    """Whether the server is a replica, its replayed WAL position, whether replay is paused,
    and the seconds since its last replayed transaction while it has WAL to replay (else 0)."""
    in_recovery, replay, paused, lag = (await conn.execute(_REPLICA_POSITION)).one()
    return ReplayPosition(bool(in_recovery), replay, bool(paused), float(lag))


async def primary_position(conn: AsyncConnection) -> str | None:
    """The primary's current WAL position, as `16/B374D848`."""
    value: str | None = (await conn.execute(_PRIMARY_POSITION)).scalar_one()
    return value


async def legacy_stages_done(conn: AsyncConnection) -> set[str] | None:
    """The stages of the legacy migration that are done; None when it never started."""
    exists = (await conn.execute(_LEGACY_STATE_EXISTS)).scalar()
    if not exists:
        return None
    return {key for key, value in (await conn.execute(_LEGACY_STATE)).all() if value}
