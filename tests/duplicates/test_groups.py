"""Groups an admin merges: a chain through one weak link is not one group (issue 15)."""

from typing import Any

from sqlalchemy import text

from clientele.duplicates.matching import MatchRecord, PairScorer
from clientele.duplicates.matching.compare import contradicts
from clientele.duplicates.matching.groups import checked_groups
from clientele.duplicates.phone_changed import pairs_in
from clientele.gstin import gstin_check_char
from tests.duplicates.test_duplicates_api import ADMIN, a_phone, open_items

PHONE, SECOND = "+912024567890", "+912024567891"


def gstin(body: str) -> str:
    return body + gstin_check_char(body)


GSTIN_A, GSTIN_C = gstin("27AAACL1234A1Z"), gstin("27AAACT9876B1Z")


def lotus(id: str, phones: list[str], tax: str | None) -> MatchRecord:
    return MatchRecord.of(
        id=id,
        name="Lotus Eye Hospital",
        customer_type="hospital",
        phones=phones,
        gstin=tax,
        city="Pune",
        state="Maharashtra",
        pincode="411001",
        address=["12 MG Road", "Camp"],
    )


def test_two_groups_join_only_when_they_accept_each_other():
    never_a_with_c = lambda one, other: not {"a", "c"} <= {*one, *other}  # noqa: E731
    pairs = [("a", "b", 0.99), ("b", "c", 0.9), ("x", "y", 0.5)]
    assert checked_groups(pairs, never_a_with_c) == [["a", "b"], ["x", "y"]]
    # The strongest pair is taken first: here b~c, and a is then left alone (in no group).
    pairs = [("a", "b", 0.6), ("b", "c", 0.9)]
    assert checked_groups(pairs, never_a_with_c) == [["b", "c"]]
    assert checked_groups(pairs, lambda one, other: True) == [["a", "b", "c"]]


def test_a_chain_whose_ends_have_two_gstins_is_not_one_group():
    """A~B (same phone), B~C (B's second number): one name at one address, but A and C are
    two registrations (two valid GSTINs): B joins one of them, never both."""
    records = [lotus("a", [PHONE], GSTIN_A), lotus("b", [PHONE, SECOND], None)]
    records.append(lotus("c", [SECOND], GSTIN_C))
    scorer = PairScorer(records)
    likely = [(i, j, score.probability) for i, j, score in _all_pairs(scorer)]
    assert {(i, j) for i, j, _ in likely} >= {(0, 1), (1, 2)}
    assert contradicts(records[0], records[2])
    assert scorer.groups(likely) == [[0, 1]]
    # The same chain without C's GSTIN is one customer typed three times: one group.
    records[2] = lotus("c", [SECOND], None)
    scorer = PairScorer(records)
    likely = [(i, j, score.probability) for i, j, score in _all_pairs(scorer)]
    assert scorer.groups(likely) == [[0, 1, 2]]


def test_a_record_weakly_linked_to_a_group_it_does_not_resemble_stays_out():
    """Two Ravi Sharmas on one phone, a third customer linked to one of them by a shared
    secondary number only: its names and address differ from the group's: not joined."""
    ravi = dict(customer_type="individual", city="Pune", pincode="411038")
    a = MatchRecord.of(id="a", name="Ravi Sharma", phones=[PHONE], address=["7 Karve Road"], **ravi)
    b = MatchRecord.of(id="b", name="RAVI SHARMA", phones=[PHONE], address=["7, Karve Rd"], **ravi)
    c = MatchRecord.of(
        id="c", name="Meena Kulkarni", phones=[SECOND], city="Nashik", address=["3 Gangapur Road"]
    )
    scorer = PairScorer([a, b, c])
    assert scorer.pair_log_odds(0, 2) < 0
    # Given b~c as a (weak) likely pair: connected components would list all three.
    assert pairs_in([[0, 1, 2]]) != pairs_in(scorer.groups([(0, 1, 0.99), (1, 2, 0.21)]))
    assert scorer.groups([(0, 1, 0.99), (1, 2, 0.21)]) == [[0, 1]]


def _all_pairs(scorer: PairScorer) -> Any:
    n = len(scorer.records)
    for i in range(n):
        for j in range(i + 1, n):
            scorer.add(i, j)
    return scorer.matches()


async def insert_lotus(
    connection: Any, phone: str, second: str | None, tax: str | None, status: str = "active"
) -> str:
    result = await connection.execute(
        text(
            "INSERT INTO customers (customer_type, name, primary_phone, secondary_phone, city,"
            " state, postal_code, address_line1, address_line2, tax_id, status) VALUES"
            " ('hospital', 'Lotus Eye Hospital', :phone, :second, 'Pune', 'Maharashtra',"
            " '411001', '12 MG Road', 'Camp', :tax, :status) RETURNING id::text"
        ),
        {"phone": phone, "second": second, "tax": tax, "status": status},
    )
    return str(result.scalar_one())


async def test_the_scan_does_not_group_a_chain_whose_ends_contradict(
    client, viewer, connection, uow_factory
):
    from clientele.duplicates import service

    first, second = a_phone(), a_phone()
    a = await insert_lotus(connection, first, None, GSTIN_A)
    b = await insert_lotus(connection, first, second, None, status="inactive")
    c = await insert_lotus(connection, second, None, GSTIN_C)
    report = await service.scan(uow_factory(), actor=ADMIN)
    assert report.likely_pairs >= 2
    items = [i for i in await open_items(client, viewer) if i["kind"] == "scan"]
    mine = [i for i in items if {cu["id"] for cu in i["customers"]} & {a, b, c}]
    assert len(mine) == 1
    members = {cu["id"] for cu in mine[0]["customers"]}
    assert b in members
    assert len(members & {a, c}) == 1
    # Only the pair inside the group is listed with it; the pair left out has no group.
    assert all({p["customer_a"], p["customer_b"]} <= members for p in mine[0]["pairs"])
    left_out = await connection.execute(
        text(
            "SELECT count(*) FROM duplicate_pairs WHERE group_id IS NULL AND status = 'open'"
            " AND customer_a = ANY(CAST(:ids AS uuid[])) AND customer_b = ANY(CAST(:ids AS uuid[]))"
        ),
        {"ids": [a, b, c]},
    )
    assert left_out.scalar_one() >= 1
