"""Creating and dropping the databases tests run on (the server is `CLIENTELE_TEST_DATABASE_URL`
or an embedded PostgreSQL; see tests/conftest.py)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url


def with_database(url: str, name: str) -> str:
    """`url` pointing at the database `name`."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_database(server: str, name: str, *, template: str | None = None) -> str:
    """Create the database `name` (a copy of `template` when given); return its URL."""
    with psycopg.connect(server, autocommit=True) as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    return with_database(server, name)


def drop_database(server: str, name: str) -> None:
    """Drop the database `name`, ending its sessions."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def new_database(server: str, prefix: str, *, template: str | None = None) -> Iterator[str]:
    """A database named `<prefix>_<random>`, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = create_database(server, name, template=template)
    try:
        yield url
    finally:
        drop_database(server, name)
