"""A small customer master written with plain SQL, as a legacy import or psql would write it."""

import itertools

import pytest
from sqlalchemy import text

_phones = itertools.count(1)

# (name, city, customer_type, status)
CATALOG = [
    ("Sunrise Multispeciality Hospital", "Pune", "hospital", "active"),
    ("Sunrise Diagnostics Centre", "Pune", "lab", "active"),
    ("Sunrise Eye Clinic", "Mumbai", "clinic", "active"),
    ("Shri Lakshmi Nursing Home", "Chennai", "hospital", "active"),
    ("Sri Krishna Hospital", "Chennai", "hospital", "active"),
    ("Shree Ganesh Path Lab", "Nagpur", "lab", "active"),
    ("Venkateshwara Hospital & Research Centre", "Hyderabad", "hospital", "active"),
    ("Dr. Sharma's Eye Clinic", "Jaipur", "clinic", "active"),
    ("Dr. Anil Mukherjee", "Kolkata", "individual", "active"),
    ("Lotus Eye Hospital", "Pune", "hospital", "active"),
    ("City Hospital", "Pune", "hospital", "active"),
    ("City Hospital", "Mumbai", "hospital", "blocked"),
    ("City Clinic", "Pune", "clinic", "active"),
    ("Apex Heart Institute", "Mumbai", "hospital", "active"),
    ("Galaxy Surgicals Pvt Ltd", "Mumbai", "dealer", "active"),
    ("100% Pure Care Clinic", "Pune", "clinic", "active"),
    ("Kamla Devi Memorial Hospital", "Lucknow", "hospital", "inactive"),
] + [(f"{brand} Hospital", "Delhi", "hospital", "active") for brand in (
    "Om", "Sai", "Apollo", "Metro", "Global", "Care", "Prime", "Asha", "Amrit", "Unity",
)]  # fmt: skip


async def insert_customer(connection, name, city="Pune", customer_type="hospital", status="active"):
    """INSERT one customer with SQL (no API); returns its id."""
    phone = f"+9199{next(_phones):08d}"
    row = await connection.execute(
        text(
            "INSERT INTO customers (customer_type, name, primary_phone, city, status,"
            " blocked_reason) VALUES (:t, :n, :p, :c, :s, :r) RETURNING id"
        ),
        {
            "t": customer_type,
            "n": name,
            "p": phone,
            "c": city,
            "s": status,
            "r": "test" if status == "blocked" else None,
        },
    )
    return str(row.scalar_one())


@pytest.fixture
async def catalog(connection):
    """Name -> id of the catalog's customers (the later of two equal names wins)."""
    ids = {}
    for name, city, customer_type, status in CATALOG:
        ids[(name, city)] = await insert_customer(connection, name, city, customer_type, status)
    return ids
