"""Customer persistence: each function runs one SQL statement on the unit of work's connection.

Rows are mapped to domain `Customer` objects explicitly; nothing is loaded lazily.
"""

from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, array, distinct_on, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Text

from clientele.customers.domain import (
    ContactMethod,
    Customer,
    CustomerFilters,
    CustomerStatus,
    CustomerType,
    Tier,
    customer_field_names,
)
from clientele.errors import DuplicatePhone, InvalidValue
from clientele.names.fold import Place, search_key
from clientele.pagination import Cursor
from clientele.tables import customer_legacy_ids, customers

ACTIVE_PHONE_INDEX = "uq_customers_primary_phone_active"
ORGANIZATION_FK = "fk_customers_organization_id_organizations"

# Built once: the lookup by id is the hottest statement, and a statement object keeps its
# compiled-cache key, which SQLAlchemy otherwise derives again for each new select().
_BY_ID = select(customers).where(customers.c.id == bindparam("customer_id"))
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()


def row_to_customer(row: RowMapping) -> Customer:
    """A customers row (all columns) as a domain Customer."""
    values = {name: row[name] for name in customer_field_names()}
    values["customer_type"] = CustomerType(values["customer_type"])
    values["status"] = CustomerStatus(values["status"])
    values["tier"] = None if values["tier"] is None else Tier(values["tier"])
    method = values["preferred_contact_method"]
    values["preferred_contact_method"] = None if method is None else ContactMethod(method)
    # History images of old versions may lack the newer columns: tolerate NULL collections.
    values["tags"] = tuple(values["tags"] or ())
    values["metadata"] = values["metadata"] or {}
    return Customer(**values)


def stored_values(customer: Customer) -> dict[str, Any]:
    """The column values to write for a customer (the database sets the timestamps)."""
    values = {name: getattr(customer, name) for name in customer_field_names()}
    values["tags"] = list(customer.tags)
    values["metadata"] = dict(customer.metadata)
    for generated in ("created_at", "updated_at"):
        values.pop(generated)
    return values


def _phone_matches(phone: str) -> ColumnElement[bool]:
    return or_(
        customers.c.primary_phone == phone,
        customers.c.secondary_phone == phone,
        customers.c.whatsapp_number == phone,
    )


def _filter_conditions(filters: CustomerFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.customer_type is not None:
        conditions.append(customers.c.customer_type == filters.customer_type.value)
    if filters.status is not None:
        conditions.append(customers.c.status == filters.status.value)
    if filters.city is not None:
        conditions.append(func.lower(customers.c.city) == filters.city.strip().lower())
    if filters.state is not None:
        conditions.append(func.lower(customers.c.state) == filters.state.strip().lower())
    if filters.organization_id is not None:
        conditions.append(customers.c.organization_id == filters.organization_id)
    if filters.tag is not None:
        conditions.append(customers.c.tags.contains([filters.tag]))
    if filters.phone is not None:
        conditions.append(_phone_matches(filters.phone))
    if filters.legacy_id is not None:
        conditions.append(
            customers.c.id.in_(
                select(customer_legacy_ids.c.customer_id).where(
                    customer_legacy_ids.c.legacy_id == filters.legacy_id
                )
            )
        )
    return conditions


async def add(conn: AsyncConnection, customer: Customer) -> Customer:
    """Insert a new customer. Raises DuplicatePhone when an active customer has its phone.

    ON CONFLICT keeps the transaction usable, so the holder of the phone can be named.
    """
    statement = (
        insert(customers)
        .values(stored_values(customer))
        .on_conflict_do_nothing(
            index_elements=[customers.c.primary_phone],
            # A literal, not a bound parameter: once psycopg prepares the statement, PostgreSQL
            # cannot match `status = $1` to the partial unique index's predicate.
            index_where=text("status = 'active'"),
        )
        .returning(customers)
    )
    try:
        row = (await conn.execute(statement)).mappings().first()
    except IntegrityError as exc:
        raise _unknown_reference(exc) from exc
    if row is None:
        raise await _duplicate_phone(conn, customer.primary_phone)
    return row_to_customer(row)


async def get(
    conn: AsyncConnection, customer_id: UUID, *, for_update: bool = False
) -> Customer | None:
    """The customer with this id, or None; `for_update` locks the row until the transaction ends
    (writers then see each other's result instead of failing on a version they never read)."""
    statement = _BY_ID_FOR_UPDATE if for_update else _BY_ID
    row = (await conn.execute(statement, {"customer_id": customer_id})).mappings().first()
    return None if row is None else row_to_customer(row)


async def get_by_phone(conn: AsyncConnection, phone: str, *, limit: int = 20) -> list[Customer]:
    """Customers with this E.164 number in any phone field, active ones first."""
    statement = (
        select(customers)
        .where(_phone_matches(phone))
        .order_by((customers.c.status == CustomerStatus.ACTIVE.value).desc(), customers.c.id)
        .limit(limit)
    )
    return [row_to_customer(row) for row in (await conn.execute(statement)).mappings()]


async def get_by_legacy_id(conn: AsyncConnection, legacy_id: str) -> Customer | None:
    """The customer an old VARCHAR(32) id (normalized) now belongs to, or None."""
    statement = (
        select(customers)
        .join(customer_legacy_ids, customer_legacy_ids.c.customer_id == customers.c.id)
        .where(customer_legacy_ids.c.legacy_id == legacy_id)
    )
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else row_to_customer(row)


async def update(conn: AsyncConnection, customer: Customer, *, expected_version: int) -> Customer:
    """Store the customer's values if the row is still at `expected_version`; bump the version.

    Raises DuplicatePhone, or StaleUpdate when no row matched (gone or changed meanwhile).
    The savepoint keeps the transaction usable after a unique violation.
    """
    values = stored_values(customer)
    for fixed in ("id", "version", "created_by"):
        values.pop(fixed)
    statement = (
        customers.update()
        .where(customers.c.id == customer.id, customers.c.version == expected_version)
        .values(**values, version=customers.c.version + 1, updated_at=func.now())
        .returning(customers)
    )
    try:
        async with conn.begin_nested():
            row = (await conn.execute(statement)).mappings().first()
    except IntegrityError as exc:
        if ACTIVE_PHONE_INDEX in str(exc.orig):
            raise await _duplicate_phone(conn, customer.primary_phone, exclude=customer.id) from exc
        raise _unknown_reference(exc) from exc
    if row is None:
        raise StaleUpdate(customer.id)
    return row_to_customer(row)


def _unknown_reference(exc: IntegrityError) -> Exception:
    """The organization a customer names does not exist: the caller's input, not a fault."""
    if ORGANIZATION_FK in str(exc.orig):
        return InvalidValue("organization_id", "no organization with this id")
    return exc


class StaleUpdate(Exception):
    """The row was not at the expected version (or is gone); the service decides which."""

    def __init__(self, customer_id: UUID) -> None:
        super().__init__(str(customer_id))
        self.customer_id = customer_id


async def _duplicate_phone(
    conn: AsyncConnection, phone: str | None, *, exclude: UUID | None = None
) -> DuplicatePhone:
    # Only a phone can collide with the unique index on active phones.
    assert phone is not None
    statement = select(customers.c.id).where(
        customers.c.primary_phone == phone, customers.c.status == CustomerStatus.ACTIVE.value
    )
    if exclude is not None:
        statement = statement.where(customers.c.id != exclude)
    existing = (await conn.execute(statement)).scalar_one()
    return DuplicatePhone(phone, existing)


def _page_query(filters: CustomerFilters, cursor: Cursor | None, limit: int) -> Select[Any]:
    conditions = _filter_conditions(filters)
    if cursor is not None:
        conditions.append(
            tuple_(customers.c.created_at, customers.c.id)
            < tuple_(literal(cursor.created_at), literal(cursor.id))
        )
    return (
        select(customers)
        .where(and_(True, *conditions))
        .order_by(customers.c.created_at.desc(), customers.c.id.desc())
        .limit(limit)
    )


async def list_page(
    conn: AsyncConnection, filters: CustomerFilters, *, cursor: Cursor | None, limit: int
) -> list[Customer]:
    """Up to `limit` customers matching the filters, newest first, after `cursor`."""
    result = await conn.execute(_page_query(filters, cursor, limit))
    return [row_to_customer(row) for row in result.mappings()]


async def count(conn: AsyncConnection, filters: CustomerFilters) -> int:
    """How many customers match the filters."""
    statement = (
        select(func.count()).select_from(customers).where(and_(True, *_filter_conditions(filters)))
    )
    return int((await conn.execute(statement)).scalar_one())


# Names ranked beyond the page: a filter (city, type, status) can leave a name with no customer.
SEARCH_NAME_SLACK = 20
# Each further customer of a name already listed scores this much less than the one before:
# the page shows the other names that fit nearly as well ("Unique Medi Equipments" x 5 would
# hide "Unique Medi Systems") instead of five customers of one name. Among customers of one
# name: active ones first, then newest.
SEARCH_REPEAT_DECAY = 0.9
# What a customer in the place typed with the name ("... (Latur)") scores more than the others.
SEARCH_PLACE_BONUS = 0.25


async def search_by_name(
    conn: AsyncConnection,
    query: str,
    *,
    filters: CustomerFilters,
    limit: int,
    place: Place | None = None,
) -> list[tuple[Customer, float]]:
    """Customers whose folded name best matches `query` (as typed), best first, with a score.

    One statement: `clientele_search_names` (revision 0016) ranks the distinct folded names
    by IDF-weighted word matches; each of the best names then brings the ids of its customers
    through the expression index `ix_customers_search_name` (an index-only scan: name, city,
    type and status are included, so a common name with a filter reads no heap rows); repeats
    of a name are scored down (SEARCH_REPEAT_DECAY); only the `limit` chosen rows are read in
    full. A `place` typed with the name ranks the customers of that city, or whose name holds
    it ("... - MP Nagar"), first: they score SEARCH_PLACE_BONUS more.
    """

    # Folded here as the database folds names (tests/names): the statement does not fold again.
    # A place typed with the name is ranked in the same pass: its words may be held (a locality
    # in the name, "Mahavir Hospital - MP Nagar") but the name alone must not lose to them
    # ("Samarpan Hospital - Patna" must not prefer "Patna Hospital").
    values: dict[str, Any] = {"name_words": search_key(query), "place_words": None}
    if place is not None:
        values |= {"place_cities": list(place.cities), "place_key": f" {place.folded} "}
        if place.name and search_key(place.name):
            values |= {"name_words": search_key(place.name), "place_words": place.folded}
    statement = _search_statement(filters, limit, None if place is None else bool(place.folded))
    rows = (await conn.execute(statement, values)).mappings()
    return [(row_to_customer(row), float(row["score"])) for row in rows]


@lru_cache(maxsize=256)
def _search_statement(filters: CustomerFilters, limit: int, place: bool | None) -> Select[Any]:
    """The name search for one set of filters, page size and kind of place (None: no place;
    True: one whose words a name can hold), built once: building it took ~1 ms of Python per
    search. The entry's words and the place are bind parameters."""
    names = (
        func.clientele_search_names(
            bindparam("name_words", type_=Text),
            bindparam("place_words", type_=Text),
            limit + SEARCH_NAME_SLACK,
        )
        .table_valued("search_name", "score")
        .render_derived(name="names", with_types=False)
    )

    folded = func.clientele_search_normalize(customers.c.name)
    in_place: ColumnElement[int] = literal(0)
    if place is not None:
        city = func.lower(func.btrim(customers.c.city)).in_(
            bindparam("place_cities", expanding=True)
        )
        held = (" " + names.c.search_name + " ").contains(bindparam("place_key", type_=Text))
        in_place = case((or_(city, held), 1), else_=0) if place else case((city, 1), else_=0)

    def holding(*name_matches: ColumnElement[bool]) -> Select[Any]:
        # Newest first, the index's own order: the scan stops after `limit` rows.
        return (
            select(
                customers.c.id,
                customers.c.status,
                customers.c.created_at,
                in_place.label("in_place"),
            )
            .where(*name_matches, *_filter_conditions(filters))
            .order_by(customers.c.created_at.desc(), customers.c.id.desc())
            .limit(limit)
            .correlate(names)
        )

    # A name's customers: those it is the name of (the expression index), and those holding it
    # as a legacy alias (revision 0012's partial GIN index; a probe finds nothing for most).
    aliases = func.clientele_search_aliases(
        customers.c.name, customers.c["metadata"], type_=ARRAY(Text)
    )
    by_alias = and_(
        # A literal, not a parameter: a generic plan of the prepared statement must still see
        # that the partial index's predicate holds.
        customers.c["metadata"].op("?")(literal_column("'legacy'")),
        aliases.contains(array([names.c.search_name], type_=Text)),
    )
    probes = [holding(folded == names.c.search_name), holding(by_alias)]
    if place is not None:
        # The name's customers in the place typed, apart: ordering all of a name's customers
        # by "in the place" first read every one of them (282 on average at a million for
        # "RML Nursing Home - Malegaon", 36 ms of its 62); this probe filters the city on the
        # index tuple and stops after `limit`.
        probes.append(holding(folded == names.c.search_name, city))
    held_by = union_all(*probes).subquery("held_by")
    # A customer two probes found comes once.
    held_once = (
        select(held_by)
        .ext(distinct_on(held_by.c.id))
        .order_by(held_by.c.id, held_by.c.in_place.desc())
        .subquery("held_once")
    )
    per_name = (
        select(held_once)
        .order_by(held_once.c.in_place.desc(), held_once.c.created_at.desc(), held_once.c.id.desc())
        .limit(limit)
        .lateral("hit")
    )
    repeat = func.row_number().over(
        partition_by=names.c.search_name,
        order_by=(
            per_name.c.in_place.desc(),
            (per_name.c.status == CustomerStatus.ACTIVE.value).desc(),
            per_name.c.created_at.desc(),
            per_name.c.id.desc(),
        ),
    )
    score = (
        names.c.score * func.power(SEARCH_REPEAT_DECAY, repeat - 1)
        + SEARCH_PLACE_BONUS * per_name.c.in_place
    ).label("score")
    scored = (
        select(per_name.c.id, score, names.c.search_name, repeat.label("repeat"))
        .select_from(names)
        .join(per_name, literal(True))
        .subquery("scored")
    )
    # A customer found by its name and by an alias is listed once, with its better score.
    once = (
        select(scored)
        .ext(distinct_on(scored.c.id))
        .order_by(scored.c.id, scored.c.score.desc())
        .subquery("once")
    )
    best = (
        select(once)
        .order_by(once.c.score.desc(), once.c.search_name, once.c.repeat)
        .limit(limit)
        .subquery("best")
    )
    found = customers.alias("found")
    return (
        select(found, best.c.score)
        .join_from(best, found, found.c.id == best.c.id)
        .order_by(best.c.score.desc(), best.c.search_name, best.c.repeat)
    )
