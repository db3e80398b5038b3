"""Time `clientele customers import` on N generated customers (default 100,000).

    CLIENTELE_DATABASE_URL=postgresql://... python bench/import_bench.py [N] [--keep]

Writes a CSV of N realistic rows (unique valid mobiles, e-mails, cities, tiers, tags), runs
a dry run and then the real import through the CLI code path (validation, domain rules,
bulk writes, one transaction), and prints the wall time of each. Without --keep, the new
rows are deleted afterwards (only those; matched by the benchmark's phone range).
"""

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from clientele.cli import app

CITIES = [("Mumbai", "Maharashtra"), ("Pune", "Maharashtra"), ("Chennai", "Tamil Nadu"),
          ("Bengaluru", "Karnataka"), ("Delhi", "Delhi"), ("Kolkata", "West Bengal")]  # fmt: skip
TYPES = ["hospital", "clinic", "lab", "dealer", "individual", "manufacturer"]
WORDS = ["Sunrise", "Lotus", "City", "Apex", "Shree", "Global", "Care", "Metro", "Sai", "Om"]
KINDS = ["Hospital", "Clinic", "Diagnostics", "Nursing Home", "Labs", "Medicals"]
PREFIX = "+91 70"  # a mobile range the rest of the data does not use


def write_csv(path: Path, n: int) -> None:
    rng = random.Random(100_000)  # noqa: S311 - reproducible benchmark data
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_type", "name", "primary_phone", "whatsapp_number", "email",
                         "city", "state", "pincode", "tier", "tags"])  # fmt: skip
        for i in range(n):
            city, state = rng.choice(CITIES)
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {i}"
            phone = f"{PREFIX}{i:08d}"
            writer.writerow([
                rng.choice(TYPES), name, phone, phone if rng.random() < 0.5 else "",
                f"desk{i}@example.in", city, state, f"{rng.randint(110001, 799999)}",
                rng.choice(["standard", "silver", "gold", "platinum"]),
                rng.choice(["", "amc", "amc;rural", "warranty"]),
            ])  # fmt: skip


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "100000"))
    url = os.environ.get("CLIENTELE_DATABASE_URL")
    if not url:
        sys.exit("set CLIENTELE_DATABASE_URL to a database at the current schema")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        write_csv(path, n)
        runner = CliRunner()
        for label, extra in (("dry run", ["--dry-run"]), ("import", [])):
            started = time.perf_counter()
            result = runner.invoke(app, ["customers", "import", str(path), *extra])
            seconds = time.perf_counter() - started
            tail = result.output.strip().splitlines()[-1:] if result.output else []
            print(f"{label:8} {n} rows: {seconds:6.1f} s  exit {result.exit_code}  {tail}")
    if "--keep" not in sys.argv:
        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM customers WHERE primary_phone LIKE '+9170%' "
                         "AND created_by LIKE 'cli:%'")  # fmt: skip


if __name__ == "__main__":
    main()
