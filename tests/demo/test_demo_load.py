import psycopg

from clientele.demo.dataset import generate
from clientele.demo.load import has_customers, load_dataset


def test_the_demo_data_set_loads_completely_and_keeps_every_reference(fresh_database_url):
    dataset = generate(n_customers=300, tickets_per_customer=2.0, seed=11)
    loaded: dict[str, int] = {}
    assert not has_customers(fresh_database_url)

    load_dataset(
        fresh_database_url,
        dataset,
        progress=lambda table, n: loaded.__setitem__(table, loaded.get(table, 0) + n),
    )

    assert has_customers(fresh_database_url)
    expected = {
        "organizations": len(dataset.organizations),
        "customers": len(dataset.customers),
        "customer_contacts": len(dataset.contacts),
        "equipment": len(dataset.equipment),
        "service_tickets": len(dataset.tickets),
    }
    assert loaded == expected
    with psycopg.connect(fresh_database_url) as conn:
        for table, count in expected.items():
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (count,)
        orphans = conn.execute(
            """
            SELECT count(*) FROM equipment e
            JOIN customer_contacts k ON k.id = e.contact_id
            WHERE k.customer_id <> e.customer_id
            """
        ).fetchone()
        assert orphans == (0,)
