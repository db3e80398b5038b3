"""`clientele customers import / export` on a real database (committed data)."""

import csv

import psycopg
from typer.testing import CliRunner

from clientele.cli import app


def _count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM customers").fetchone()
    assert row is not None
    return int(row[0])


def test_the_cli_imports_a_dry_run_then_for_real_and_exports_it_back(
    fresh_database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("CLIENTELE_DATABASE_URL", fresh_database_url)
    source = tmp_path / "customers.csv"
    source.write_text(
        "customer_type,name,primary_phone,city\n"
        "hospital,Sunrise Hospital,022 2345 6789,Mumbai\n"
        "clinic,Lotus Clinic,+91-98765-43210,Pune\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    runner = CliRunner()

    dry = runner.invoke(app, ["customers", "import", str(source), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert _count(fresh_database_url) == 0

    real = runner.invoke(app, ["customers", "import", str(source), "--report", str(report)])
    assert real.exit_code == 0, real.output
    assert _count(fresh_database_url) == 2
    assert [r["action"] for r in csv.DictReader(report.read_text().splitlines())] == [
        "create",
        "create",
    ]

    exported = tmp_path / "out.csv"
    out = runner.invoke(app, ["customers", "export", "-o", str(exported), "--city", "mumbai"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(exported.read_text().splitlines()))
    assert [(r["name"], r["primary_phone"]) for r in rows] == [
        ("Sunrise Hospital", "+912223456789")
    ]


def test_the_cli_import_exits_1_and_writes_nothing_when_a_row_is_invalid(
    fresh_database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("CLIENTELE_DATABASE_URL", fresh_database_url)
    source = tmp_path / "customers.csv"
    source.write_text(
        "customer_type,name,primary_phone\nhospital,Good,022 2345 6789\nhospital,Bad,N/A\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(app, ["customers", "import", str(source)])

    assert result.exit_code == 1
    assert _count(fresh_database_url) == 0
