"""Schemathesis, GET operations only, against a real server on migrated legacy data.

Path ids are swapped for real ids of awkward migrated customers (no phone, no city, merged,
blocked) most of the time, so generated queries run over the rows clean fixtures lack.
"""

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.support.fuzzing import app_schema, assert_documented
from tests.support.live import admin_server
from tests.support.migrated import MigratedIds, awkward_ids

EXAMPLES_PER_OPERATION = int(os.environ.get("CLIENTELE_FUZZ_EXAMPLES", "30"))


@dataclass(frozen=True)
class MigratedServer:
    base_url: str
    headers: dict[str, str]
    ids: MigratedIds


@pytest.fixture(scope="module")
def migrated_server(server_url: str, migrated_template_database: str) -> Iterator[MigratedServer]:
    with admin_server(server_url, migrated_template_database, "clientele_mfuzz") as server:
        ids = awkward_ids(server.database_url)
        yield MigratedServer(server.base_url, server.admin_headers, ids)


schema = app_schema().include(method="GET")


def _use_real_ids(case: schemathesis.Case, ids: MigratedIds) -> None:
    """Replace generated path ids by real ones, chosen by the case's other values (so the
    same examples give the same requests), leaving one slot in five for a made-up id."""
    if not case.path_parameters:
        return
    seed = hashlib.sha256(repr((case.query, case.path_parameters)).encode()).digest()
    for position, name in enumerate(sorted(case.path_parameters)):
        pool = ids.for_parameter(name)
        if not pool:
            continue
        pick = seed[position] % (len(pool) + 1 + len(pool) // 4)
        if pick < len(pool):
            case.path_parameters[name] = pool[pick]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_get_on_migrated_data_gets_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case, migrated_server: MigratedServer
) -> None:
    _use_real_ids(case, migrated_server.ids)
    response = case.call(base_url=migrated_server.base_url, headers=migrated_server.headers)
    assert_documented(case, response)
