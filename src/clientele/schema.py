"""Schema management: Alembic revisions applied and inspected from code (the CLI, tests, serve)."""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from clientele.db import sqlalchemy_url


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged revisions and the given database."""
    config = Config()
    config.set_main_option("script_location", "clientele:migrations")
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply revisions up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert revisions down to `revision` (`base` removes every Clientele object)."""
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str:
    """The newest revision this release ships."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    if head is None:
        raise RuntimeError("no schema revisions are packaged")
    return head


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None when it has no Clientele schema."""
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def is_current(url: str) -> bool:
    """True when the database is at this release's head revision."""
    return current_revision(url) == head_revision()
