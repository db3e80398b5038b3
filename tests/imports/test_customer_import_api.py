"""CSV import and export of customers over HTTP (admin)."""

import csv
import io

import pytest
from sqlalchemy import text

from tests.support.builders import a_phone

IMPORT = "/api/v1/customers/import"
EXPORT = "/api/v1/customers/export"
HEADER = "customer_type,name,primary_phone,primary_email,city,tier,tags\r\n"


def csv_body(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\r\n" for row in rows)).encode()


async def post(client, headers, body: bytes, **params):
    return await client.post(
        IMPORT, content=body, params=params, headers={**headers, "Content-Type": "text/csv"}
    )


async def count_customers(connection) -> int:
    return int((await connection.execute(text("SELECT count(*) FROM customers"))).scalar_one())


async def test_a_dry_run_reports_each_row_and_writes_nothing(client, admin, build, connection):
    existing = await build.customer(name="Sunrise Multispeciality Hospital")
    before = await count_customers(connection)
    body = csv_body(
        f"clinic,Lotus Clinic,{a_phone()},lotus@clinic.in,Pune,premium,amc;rural",
        f"hospital,Sunrise Hosp.,{existing['primary_phone']},,Mumbai,vip,",
        "lab,City Diagnostics,N/A,not-an-email,Delhi,bronze,",
    )

    response = await post(client, admin, body, dry_run="true")

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["dry_run"] is True
    assert report["written"] is False
    assert report["summary"] == {
        "total": 3, "create": 1, "update": 1, "unchanged": 0, "duplicate": 0, "invalid": 1,
    }  # fmt: skip
    created, updated, invalid = report["rows"]
    assert (created["row"], created["action"]) == (2, "create")
    assert (updated["row"], updated["action"]) == (3, "update")
    assert updated["customer_id"] == existing["id"]
    assert set(updated["changed_fields"]) == {"name", "city", "tier"}
    assert invalid["action"] == "invalid"
    assert {e["field"] for e in invalid["errors"]} == {"primary_phone", "primary_email", "tier"}
    assert await count_customers(connection) == before


async def test_an_import_creates_and_updates_through_the_domain_rules(client, admin, build):
    existing = await build.customer(
        name="Sunrise Multispeciality Hospital", primary_email="old@x.in"
    )
    new_phone = a_phone()
    body = csv_body(
        f"Clinic, Lotus Clinic ,{new_phone},lotus@clinic.in,Pune,premium,amc;rural",
        f"hospital,Sunrise Hospital,{existing['primary_phone']},,Mumbai,vip,",
    )

    response = await post(client, admin, body)

    assert response.status_code == 200, response.text
    assert response.json()["written"] is True
    found = await client.get("/api/v1/customers", params={"phone": new_phone}, headers=admin)
    [created] = found.json()["items"]
    assert created["name"] == "Lotus Clinic"
    assert created["customer_type"] == "clinic"
    assert created["primary_phone"].startswith("+91")
    assert created["tags"] == ["amc", "rural"]
    assert created["created_by"] == "token:test-admin"
    updated = (await client.get(f"/api/v1/customers/{existing['id']}", headers=admin)).json()
    assert updated["name"] == "Sunrise Hospital"
    assert updated["city"] == "Mumbai"
    assert updated["primary_email"] == "old@x.in", "a blank cell never clears a stored value"
    assert updated["version"] == existing["version"] + 1
    assert updated["updated_by"] == "token:test-admin"


async def test_one_invalid_row_means_nothing_is_written(client, admin, connection):
    before = await count_customers(connection)
    body = csv_body(
        f"clinic,Lotus Clinic,{a_phone()},,Pune,,",
        f"clinic,Good Clinic,{a_phone()},,Pune,,",
        "clinic,,0000000000,,Pune,,",
    )

    response = await post(client, admin, body)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} == {"rows[4].name", "rows[4].primary_phone"}
    assert problem["report"]["summary"]["invalid"] == 1
    assert await count_customers(connection) == before


async def test_a_phone_held_by_a_customer_with_another_name_is_flagged_not_overwritten(
    client, admin, build
):
    existing = await build.customer(name="Apollo Hospital")
    body = csv_body(f"hospital,Fortis Hospital,{existing['primary_phone']},,Delhi,,")

    response = await post(client, admin, body)

    row = response.json()["rows"][0]
    assert row["action"] == "duplicate"
    assert row["customer_id"] == existing["id"]
    assert "Apollo Hospital" in row["reason"]
    assert row["name_score"] < 60
    stored = (await client.get(f"/api/v1/customers/{existing['id']}", headers=admin)).json()
    assert stored["name"] == "Apollo Hospital"


async def test_the_same_phone_twice_in_a_file_flags_the_second_row(client, admin):
    phone = a_phone()
    body = csv_body(f"clinic,Lotus Clinic,{phone},,,,", f"clinic,Lotus Clinic,{phone},,,,")

    response = await post(client, admin, body, dry_run="true")

    first, second = response.json()["rows"]
    assert first["action"] == "create"
    assert second["action"] == "duplicate"
    assert "row 2" in second["reason"]


async def test_a_phone_of_a_blocked_customer_is_flagged(client, admin, build):
    blocked = await build.customer()
    await build.block(blocked["id"], admin)
    body = csv_body(f"hospital,Sunrise Multispeciality Hospital,{blocked['primary_phone']},,,,")

    row = (await post(client, admin, body, dry_run="true")).json()["rows"][0]

    assert row["action"] == "duplicate"
    assert "blocked" in row["reason"]


async def test_an_exported_file_imports_again_unchanged(client, admin, build):
    await build.customer(name="Export Me Hospital", city="Goa Export Town", tags=["amc", "cmc"])
    await build.customer(name="=cmd|' /C calc'!A0", city="Goa Export Town")

    exported = await client.get(EXPORT, params={"city": "Goa Export Town"}, headers=admin)

    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["name"] for r in rows} == {"Export Me Hospital", "'=cmd|' /C calc'!A0"}
    assert all(r["primary_phone"].startswith("+91") for r in rows)
    again = await post(client, admin, exported.content)
    assert again.status_code == 200, again.text
    assert again.json()["summary"]["unchanged"] == 2


async def test_the_export_applies_the_list_filters(client, admin, build):
    await build.customer(name="In Filter", city="Filterpur", customer_type="lab")
    await build.customer(name="Out Of Filter", city="Filterpur", customer_type="clinic")

    response = await client.get(
        EXPORT, params={"city": "filterpur", "customer_type": "lab"}, headers=admin
    )

    assert [r["name"] for r in csv.DictReader(io.StringIO(response.text))] == ["In Filter"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"name,primary_phone\r\nx,9876543210\r\n", "customer_type"),
        (b"customer_type,name,primary_phone,phone_no\r\n", "phone_no"),
        (b"customer_type,name,name,primary_phone\r\n", "twice"),
        (b"customer_type,name,primary_phone\r\n\xff\xfe", "UTF-8"),
    ],
    ids=["empty", "missing column", "unknown column", "repeated column", "not utf-8"],
)
async def test_an_unreadable_file_is_422_naming_the_file(client, admin, body, message):
    response = await post(client, admin, body)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "file"
    assert message in response.json()["detail"]


async def test_a_row_with_more_cells_than_the_header_is_invalid(client, admin):
    body = csv_body(f"clinic,Lotus,{a_phone()},,,,,surplus")

    row = (await post(client, admin, body, dry_run="true")).json()["rows"][0]

    assert row["action"] == "invalid"


async def test_a_file_over_the_size_limit_is_413(client, admin):
    body = b"customer_type,name,primary_phone\r\n" + b"x" * (20 * 1024 * 1024 + 1)

    response = await post(client, admin, body)

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_body_that_is_not_csv_is_415(client, admin):
    response = await client.post(IMPORT, json={"rows": []}, headers=admin)

    assert response.status_code == 415


async def test_import_and_export_are_for_admins(client, agent):
    assert (await post(client, agent, csv_body())).status_code == 403
    assert (await client.get(EXPORT, headers=agent)).status_code == 403
    assert (await client.get(EXPORT)).status_code == 401


async def test_bad_export_filters_are_422(client, admin):
    response = await client.get(EXPORT, params={"status": "gone"}, headers=admin)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


async def test_a_file_with_the_former_column_names_still_imports(client, admin):
    """Spreadsheets made before the design doc's names (email, pincode, gstin) keep working."""
    body = (
        "customer_type,name,primary_phone,email,pincode,gstin\r\n"
        "clinic,Former Names Clinic,+919811100077,desk@former.in,400070,27AAPFU0939F1ZV\r\n"
    )
    response = await client.post(
        IMPORT, content=body, headers={**admin, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    found = await client.get("/api/v1/customers", params={"phone": "+919811100077"}, headers=admin)
    (customer,) = found.json()["items"]
    assert (customer["primary_email"], customer["postal_code"], customer["tax_id"]) == (
        "desk@former.in",
        "400070",
        "27AAPFU0939F1ZV",
    )
