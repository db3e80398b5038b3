import psycopg

from clientele import schema
from clientele.cli.serve import migrate_legacy_demo


def test_the_demo_migrates_messy_legacy_tickets_into_a_current_schema(empty_database_url):
    migrate_legacy_demo(empty_database_url, 60)

    assert schema.is_current(empty_database_url)
    with psycopg.connect(empty_database_url) as conn:
        unlinked = conn.execute(
            "SELECT count(*) FROM service_tickets t"
            " LEFT JOIN customers c ON c.id = t.customer_id WHERE c.id IS NULL"
        ).fetchone()
        (customers,) = conn.execute("SELECT count(*) FROM customers").fetchone() or (0,)
        (legacy_ids,) = conn.execute("SELECT count(*) FROM customer_legacy_ids").fetchone() or (0,)
    assert unlinked == (0,)
    assert customers > 30
    assert legacy_ids > 0


def test_the_demo_answers_the_design_docs_questions(empty_database_url):
    """At the size `clientele demo` uses: Mumbai customers with more than 10 tickets exist,
    most customers have a city, and no stored name is all lower case or opens in another
    script while Latin spellings were typed."""
    migrate_legacy_demo(empty_database_url, 1500)

    with psycopg.connect(empty_database_url) as conn:
        (mumbai,) = conn.execute(
            "SELECT count(*) FROM customers c WHERE c.city = 'Mumbai' AND"
            " (SELECT count(*) FROM service_tickets t WHERE t.customer_id = c.id) > 10"
        ).fetchone() or (0,)
        customers, with_city = conn.execute(
            "SELECT count(*), count(city) FROM customers WHERE created_by = 'legacy-migration'"
        ).fetchone() or (0, 0)
        names = [r[0] for r in conn.execute("SELECT name FROM customers")]
    assert mumbai > 0
    assert with_city > customers / 2
    assert not [n for n in names if n.islower()]
    opens_in_another_script = [
        n for n in names
        if any(ord(ch) > 0x24F for ch in n.split()[0]) and any("a" <= ch.lower() <= "z" for ch in n)
    ]  # fmt: skip
    assert not opens_in_another_script
