"""Fixtures: an empty database per test, in the legacy shape, filled with messy data."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.engine import make_url

from clientele.demo.legacy_data import LegacyData, generate, load
from clientele.legacy.shape import LEGACY_COLUMNS, legacy_md5_sql


@dataclass
class LegacyDatabase:
    """A legacy-shaped database on the server under test, and the truth about its rows."""

    url: str
    data: LegacyData


_DATA: dict[tuple[int, int], LegacyData] = {}


def dataset(n_customers: int = 400, seed: int = 11) -> LegacyData:
    """Generated once per size and seed per session (generation is the slow part)."""
    key = (n_customers, seed)
    if key not in _DATA:
        _DATA[key] = generate(n_customers, seed=seed)
    return _DATA[key]


@pytest.fixture
def legacy_db(empty_database_url: str) -> LegacyDatabase:
    """The legacy tables (contract section 4) with about 2,000 messy tickets."""
    data = dataset()
    load(empty_database_url, data)
    return LegacyDatabase(empty_database_url, data)


def legacy_md5(url: str) -> dict[str, str]:
    """An md5 over every legacy column of every row, per legacy table."""
    with psycopg.connect(url) as conn:
        out = {}
        for table in LEGACY_COLUMNS:
            row = conn.execute(legacy_md5_sql(table)).fetchone()
            assert row is not None
            out[table] = str(row[0])
        return out


@pytest.fixture
def second_legacy_url(server_url: str, legacy_db: LegacyDatabase) -> Iterator[str]:
    """Another database with the same legacy rows as `legacy_db`, dropped afterwards."""
    name = f"clientele_legacy_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    load(url, legacy_db.data)
    yield url
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
