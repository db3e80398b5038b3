"""A typed client generated from the live server's /openapi.json works against that server.

`openapi-python-client` (as a user of the API would run it) must generate without a warning;
the client then creates, searches, lists and PATCHes a customer, and its 409, 412 and 422
answers arrive parsed as the one `Problem` model.
"""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support.live import LiveServer, admin_server

PACKAGE = "clientele_generated_client"
# openapi-python-client knows no text/csv; its documented remedy is to treat it as bytes.
CONFIG = f"""\
project_name_override: {PACKAGE}
package_name_override: {PACKAGE}
content_type_overrides:
  text/csv: application/octet-stream
"""


@pytest.fixture(scope="module")
def live_server(server_url: str, template_database: str) -> Iterator[LiveServer]:
    with admin_server(server_url, template_database, "clientele_client") as server:
        yield server


@pytest.fixture(scope="module")
def generated(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Generate the client from the served document; yield the generator's output."""
    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_bytes(httpx.get(f"{live_server.base_url}/openapi.json").content)
    (root / "config.yaml").write_text(CONFIG)
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "openapi-python-client"), "generate", "--meta", "none"]
    command += ["--path", "openapi.json", "--config", "config.yaml", "--output-path", PACKAGE]
    result = subprocess.run(  # noqa: S603
        command,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},  # its post-hook runs our ruff
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield result.stdout + result.stderr
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


@pytest.fixture
def client(generated: str, live_server: LiveServer) -> Iterator[Any]:
    authenticated = _module("client").AuthenticatedClient(
        base_url=live_server.base_url, token=live_server.admin_token
    )
    with authenticated as client:
        yield client


def test_the_client_generates_without_warnings(generated: str) -> None:
    assert "warning" not in generated.lower(), generated
    for operation in ("create_customer", "search_customers", "list_customers", "update_customer"):
        assert _module(f"api.customers.{operation}")
    assert _module("api.customers_import_and_export.import_customers_csv")


def _new_customer(client: Any, phone: str) -> Any:
    models = _module("models")
    body = models.CustomerCreate(
        name="Sanjeevani Generated Client Hospital",
        customer_type=models.CustomerType.HOSPITAL,
        primary_phone=phone,
        city="Nagpur",
        state="Maharashtra",
        tags=["generated"],
    )
    answer = _module("api.customers.create_customer").sync_detailed(client=client, body=body)
    assert answer.status_code == 201, answer.content
    return answer


def test_a_generated_client_creates_finds_lists_and_updates_a_customer(client: Any) -> None:
    models = _module("models")
    created = _new_customer(client, "0712 255 1234").parsed
    assert created.primary_phone == "+917122551234"

    found = _module("api.customers.search_customers").sync(client=client, q="sanjeevani generated")
    assert created.id in [hit.customer.id for hit in found.items]

    page = _module("api.customers.list_customers").sync(client=client, city="Nagpur")
    assert [c.id for c in page.items] == [created.id]

    fetched = _module("api.customers.get_customer").sync_detailed(
        client=client, customer_id=created.id
    )
    etag = fetched.headers["etag"]
    update = _module("api.customers.update_customer")
    changed = update.sync_detailed(
        client=client,
        customer_id=created.id,
        body=models.CustomerUpdate(city="Wardha"),
        if_match=etag,
    )
    assert changed.status_code == 200, changed.content
    assert changed.parsed.city == "Wardha"

    stale = update.sync_detailed(
        client=client,
        customer_id=created.id,
        body=models.CustomerUpdate(city="Nagpur"),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Problem)
    assert stale.parsed.type_.endswith("/stale-version")
    assert stale.parsed.additional_properties["current_version"] == 2


def test_a_generated_client_parses_a_conflict_and_invalid_fields_as_problems(client: Any) -> None:
    models = _module("models")
    first = _new_customer(client, "0712 255 9876").parsed
    create = _module("api.customers.create_customer")

    clash = create.sync_detailed(
        client=client,
        body=models.CustomerCreate(
            name="Another Hospital", customer_type=models.CustomerType.CLINIC,
            primary_phone="+91 712 255 9876",
        ),
    )  # fmt: skip
    assert clash.status_code == 409
    assert isinstance(clash.parsed, models.Problem)
    assert clash.parsed.additional_properties["existing_customer_id"] == str(first.id)

    invalid = create.sync_detailed(
        client=client,
        body=models.CustomerCreate(
            name="Bad Phone Clinic", customer_type=models.CustomerType.CLINIC, primary_phone="12"
        ),
    )
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.Problem)
    assert [e.field for e in invalid.parsed.errors] == ["primary_phone"]
    assert invalid.parsed.errors[0].in_ == "body"
