"""Revision 0006 brings stored customers, their history and merge records to the doc's names."""

import psycopg
from sqlalchemy.engine import make_url

from clientele import schema


def _insert_before_0006(conn: psycopg.Connection) -> str:
    row = conn.execute(
        "INSERT INTO customers (customer_type, name, primary_phone, email, pincode, gstin,"
        " country, tier, tags, display_name, city, state)"
        " VALUES ('hospital', 'Old Shape Hospital', '+919820000001', 'desk@old.in', '400070',"
        " '27AAPFU0939F1ZV', 'IN', 'gold', '{mri,amc}', %s, 'Mumbai', 'Maharashtra')"
        " RETURNING id::text",
        ("D" * 300,),
    ).fetchone()
    assert row is not None
    conn.execute(
        "UPDATE customers SET tier = 'platinum', email = 'biomed@old.in' WHERE id = %s", (row[0],)
    )
    return row[0]


def test_upgrading_maps_values_keeps_history_readable_and_records_no_version(fresh_database_url):
    url = fresh_database_url
    schema.downgrade(url, "0005")
    with psycopg.connect(url) as conn:
        customer_id = _insert_before_0006(conn)
        plain = conn.execute(
            "INSERT INTO customers (customer_type, name, primary_phone)"
            " VALUES ('clinic', 'Defaults Clinic', '+919820000002') RETURNING id::text"
        ).fetchone()
        conn.commit()
    schema.upgrade(url)
    with psycopg.connect(url) as conn:
        mapped = conn.execute(
            "SELECT primary_email, postal_code, tax_id, country, tier, tags, length(display_name),"
            " notes LIKE 'Display name: DDD%%', preferred_language FROM customers WHERE id = %s",
            (customer_id,),
        ).fetchone()
        assert mapped == (
            "biomed@old.in", "400070", "27AAPFU0939F1ZV", "India", "vip", ["mri", "amc"], 255,
            True, "en",
        )  # fmt: skip
        assert plain is not None
        defaults = conn.execute(
            "SELECT country, tier, tags, preferred_language FROM customers WHERE id = %s", plain
        ).fetchone()
        assert defaults == ("India", "standard", [], "en")
        versions = conn.execute(
            "SELECT count(*) FROM customer_versions WHERE customer_id = %s", (customer_id,)
        ).fetchone()
        assert versions == (2,), "the upgrade's rewrite is not a new version"
        images = conn.execute(
            "SELECT clientele_customer_image(row_data) FROM customer_versions"
            " WHERE customer_id = %s ORDER BY lower(valid)",
            (customer_id,),
        ).fetchall()
        first, second = (image for (image,) in images)
        assert (first["tier"], first["primary_email"], first["country"]) == (
            "premium", "desk@old.in", "India",
        )  # fmt: skip
        assert (second["tier"], second["primary_email"]) == ("vip", "biomed@old.in")
        assert "email" not in first
        assert "gstin" not in first
        fields = conn.execute(
            "SELECT array_agg(clientele_customer_field(f)) FROM customer_versions,"
            " unnest(changed_fields) AS f WHERE customer_id = %s AND operation = 'update'",
            (customer_id,),
        ).fetchone()
        assert fields is not None
        assert set(fields[0]) == {"tier", "primary_email"}


def test_the_history_trigger_skip_is_for_the_table_owner_only(fresh_database_url):
    """A role that may write customers but does not own the table cannot skip history."""
    writer = make_url(fresh_database_url).set(username="clientele_test_writer")
    with psycopg.connect(fresh_database_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS clientele_test_writer")
        admin.execute("CREATE ROLE clientele_test_writer LOGIN")
        admin.execute("GRANT USAGE ON SCHEMA public TO clientele_test_writer")
        admin.execute("GRANT INSERT, SELECT ON customers TO clientele_test_writer")
        try:
            with psycopg.connect(writer.render_as_string(hide_password=False)) as conn:
                conn.execute("SET clientele.history_skip = 'schema-upgrade'")
                row = conn.execute(
                    "INSERT INTO customers (customer_type, name, primary_phone)"
                    " VALUES ('lab', 'Skipper Lab', '+919820000003') RETURNING id"
                ).fetchone()
                conn.commit()
            recorded = admin.execute(
                "SELECT count(*) FROM customer_versions WHERE customer_id = %s", row
            ).fetchone()
            assert recorded == (1,)
        finally:
            admin.execute("DROP OWNED BY clientele_test_writer")
            admin.execute("DROP ROLE clientele_test_writer")
