import psycopg

from clientele import schema
from clientele.cli.serve import migrate_legacy_demo


def test_the_demo_migrates_messy_legacy_tickets_into_a_current_schema(empty_legacy_url):
    migrate_legacy_demo(empty_legacy_url, 60)

    assert schema.is_current(empty_legacy_url)
    with psycopg.connect(empty_legacy_url) as conn:
        unlinked = conn.execute(
            "SELECT count(*) FROM service_tickets t"
            " LEFT JOIN customers c ON c.id = t.customer_id WHERE c.id IS NULL"
        ).fetchone()
        (customers,) = conn.execute("SELECT count(*) FROM customers").fetchone() or (0,)
        (legacy_ids,) = conn.execute("SELECT count(*) FROM customer_legacy_ids").fetchone() or (0,)
    assert unlinked == (0,)
    assert customers > 30
    assert legacy_ids > 0
