"""What the migration made of the legacy data: places, names, and a history that reads true."""

import re

import httpx
import psycopg

from clientele.web.format import IST


def _customers_with_legacy_history(url: str, *, at_least: int) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT customer_id FROM customer_versions WHERE source = 'legacy'"
            " GROUP BY 1 HAVING count(*) >= %s ORDER BY 1",
            (at_least,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_most_migrated_customers_have_a_city_and_no_name_is_lower_case_or_another_script(
    migrated_url: str,
) -> None:
    with psycopg.connect(migrated_url) as conn:
        rows = conn.execute(
            "SELECT name, city, state FROM customers WHERE created_by = 'legacy-migration'"
        ).fetchall()
    with_city = [r for r in rows if r[1]]
    assert len(with_city) > len(rows) / 2
    assert all(state for _, _, state in with_city)
    for name, _, _ in rows:
        assert not name.islower(), name
        first = name.split()[0]
        assert not any(ord(ch) > 0x24F and ch.isalpha() for ch in first) or all(
            ord(ch) > 0x24F or not ch.isalpha() for ch in name
        ), name


async def test_migrated_history_is_numbered_1_to_n_in_time_order_and_every_entry_changes_something(
    migrated_app_client: httpx.AsyncClient, migrated_admin: dict[str, str], migrated_url: str
) -> None:
    customer_ids = _customers_with_legacy_history(migrated_url, at_least=1)
    assert len(customer_ids) > 50
    several = 0
    for customer_id in customer_ids:
        current = await migrated_app_client.get(
            f"/api/v1/customers/{customer_id}", headers=migrated_admin
        )
        history = await migrated_app_client.get(
            f"/api/v1/customers/{customer_id}/history", params={"limit": 200},
            headers=migrated_admin,
        )  # fmt: skip
        items = list(reversed(history.json()["items"]))  # oldest first
        merged_or_blocked = (
            current.json()["merged_into_id"] or current.json()["status"] == "blocked"
        )
        legacy = [v for v in items if v["source"] == "legacy"]
        assert [v["version"] for v in legacy] == list(range(1, len(legacy) + 1)), customer_id
        assert legacy[0]["operation"] == "insert"
        assert [v["operation"] for v in items].count("insert") == 1, customer_id
        assert all(v["changes"] for v in items), customer_id
        times = [v["valid_from"] for v in items]
        assert times == sorted(times)
        if not merged_or_blocked:
            assert items[-1]["version"] == current.json()["version"]
            assert current.headers["ETag"] == f'"{current.json()["version"]}"'
        several += len(legacy) > 1
    assert several > 5


async def test_the_as_of_view_shows_the_name_as_it_was_and_highlights_what_differs(
    migrated_web: httpx.AsyncClient,
    migrated_app_client: httpx.AsyncClient,
    migrated_admin: dict[str, str],
    migrated_url: str,
) -> None:
    with psycopg.connect(migrated_url) as conn:
        row = conn.execute(
            "SELECT c.id, c.name, min(lower(v.valid)) FROM customers c"
            " JOIN customer_versions v ON v.customer_id = c.id AND v.source = 'legacy'"
            " WHERE c.status = 'active' AND c.merged_into_id IS NULL AND c.name ~ '^[A-Za-z ]+$'"
            " GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1 LIMIT 1"
        ).fetchone()
    assert row is not None
    customer_id, old_name, first_seen = row
    current = await migrated_app_client.get(
        f"/api/v1/customers/{customer_id}", headers=migrated_admin
    )
    renamed = await migrated_app_client.patch(
        f"/api/v1/customers/{customer_id}",
        json={"name": "Renamed After Migration"},
        headers={**migrated_admin, "If-Match": current.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text

    when = first_seen.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S")
    page = await migrated_web.get(f"/customers/{customer_id}", params={"as_of": when})
    assert page.status_code == 200
    record = page.text[page.text.index('id="as-of-record"') :]
    name_field = re.search(
        r'<div class="([a-z]*)" data-field="name">\s*<dt>Name</dt>\s*<dd>([^<]*)', record
    )
    assert name_field is not None
    assert name_field.group(1) == "changed"
    assert name_field.group(2).strip() == old_name
    assert "Highlighted fields differ from today: Name" in page.text

    now = await migrated_web.get(
        f"/customers/{customer_id}", params={"as_of": "2099-01-01T00:00:00"}
    )
    assert "Every field shown is as it is today." in now.text
    assert 'class="changed"' not in now.text
