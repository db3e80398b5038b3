"""Deterministic generator of realistic Indian customer-master data.

Demos, tests and benchmarks all need data that looks like a real service
desk's: the same hospital names in many cities, landlines with the right STD
code, GSTINs that pass validation, tickets about real equipment faults.
Everything derives from the seed so a bug seen on seed 7 can be replayed, and
``iter_customers`` streams so a million rows never sit in memory at once.
No database access here: loaders decide how to persist what this produces.
"""

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from clientele.demo.catalog import (
    CATALOG,
    CATEGORIES_BY_TYPE,
    CONTACTS_PER_CUSTOMER,
    CONTEXTS,
    DOCTOR_ROLES,
    FAULTS,
    GENERAL_FAULTS,
    IMPACTS,
    MODEL_BY_NAME,
    PRIORITIES,
    RESOLUTION_HOURS,
    ROLES,
    UNITS_PER_CUSTOMER,
)
from clientele.demo.customers import (
    _pan_space,
    _person,
    _plan_organizations,
    _random_mobile,
    _ShuffledCounter,
    _slug,
    _uuid,
    iter_customers,
)
from clientele.demo.records import (
    HISTORY,
    NAMESPACE,
    REFERENCE_TIME,
    DemoContact,
    DemoCustomer,
    DemoDataset,
    DemoEquipment,
    DemoOrganization,
    DemoTicket,
)
from clientele.demo.vocabulary import CITIES, CITY_POOL, FREE_MAIL

__all__ = [
    "REFERENCE_TIME",
    "DemoContact",
    "DemoCustomer",
    "DemoDataset",
    "DemoEquipment",
    "DemoOrganization",
    "DemoTicket",
    "generate",
    "iter_customers",
]

_CITY_BY_NAME = {city.name: city for city in CITIES}
_INSTALL_HISTORY = timedelta(days=5 * 365)


class _TicketDraft(NamedTuple):
    """A ticket before numbering: numbers follow creation order, known only at the end."""

    id: uuid.UUID
    customer_id: uuid.UUID
    equipment_id: uuid.UUID | None
    title: str
    description: str | None
    status: str
    priority: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


def _contacts_for(rng: random.Random, customer: DemoCustomer) -> list[DemoContact]:
    """The people a service desk calls at this customer, on its mail domain when it has one."""
    region = _CITY_BY_NAME[customer.city].region
    domain = customer.primary_email.partition("@")[2] if customer.primary_email else ""
    own_domain = bool(domain) and domain not in FREE_MAIL
    contacts = []
    for _ in range(rng.choice(CONTACTS_PER_CUSTOMER[customer.customer_type])):
        first, last = _person(rng, region)
        role = rng.choice(ROLES[customer.customer_type]) if rng.random() < 0.9 else None
        phone = _random_mobile(rng) if rng.random() < 0.9 else None
        handle = f"{_slug(first)}.{_slug(last)}"
        email = None
        if rng.random() < 0.85:
            email = (
                f"{handle}@{domain}"
                if own_domain
                else f"{handle}{rng.randrange(1, 100)}@{rng.choice(FREE_MAIL)}"
            )
        contacts.append(
            DemoContact(
                id=_uuid(rng),
                customer_id=customer.id,
                name=f"Dr. {first} {last}" if role in DOCTOR_ROLES else f"{first} {last}",
                role=role,
                phone=phone,
                email=email,
                whatsapp=phone if phone and rng.random() < 0.7 else None,
            )
        )
    return contacts


def _equipment_for(
    rng: random.Random,
    customer: DemoCustomer,
    contacts: Sequence[DemoContact],
    serials: _ShuffledCounter,
) -> list[DemoEquipment]:
    """Installed units by customer type; dealers' demo and rental units sit at other cities."""
    units = []
    installable_from = customer.created_at - _INSTALL_HISTORY
    for _ in range(rng.choice(UNITS_PER_CUSTOMER[customer.customer_type])):
        model = rng.choice(CATALOG[rng.choice(CATEGORIES_BY_TYPE[customer.customer_type])])
        city = _CITY_BY_NAME[customer.city]
        if customer.customer_type == "dealer" and rng.random() < 0.5:
            city = rng.choice(CITY_POOL)
        installed = (installable_from + (REFERENCE_TIME - installable_from) * rng.random()).date()
        units.append(
            DemoEquipment(
                id=_uuid(rng),
                customer_id=customer.id,
                contact_id=rng.choice(contacts).id if contacts and rng.random() < 0.7 else None,
                serial_number=f"{model.serial_prefix}{installed:%y}{serials.take():08d}",
                model=model.model,
                manufacturer=model.manufacturer,
                installation_city=city.name,
                installation_state=city.state,
                installed_at=installed,
            )
        )
    return units


def _ticket_weight(customer: DemoCustomer, units: Sequence[DemoEquipment]) -> float:
    """Relative ticket volume: more units and a longer history mean more calls."""
    tenure = (REFERENCE_TIME - customer.created_at) / HISTORY
    return (1 + len(units)) * (0.05 + tenure)


def _ticket_count(rng: random.Random, expected: float) -> int:
    """A skewed count with the given mean: most customers call rarely, a few very often."""
    if expected <= 0:
        return 0
    return int(rng.expovariate(1 / expected) + rng.random())


def _priority(rng: random.Random, usual: str) -> str:
    """Mostly the fault's usual priority; sometimes a step up or down, as callers differ."""
    level = PRIORITIES.index(usual) + rng.choice((-1, 0, 0, 0, 0, 0, 1))
    return PRIORITIES[min(max(level, 0), len(PRIORITIES) - 1)]


def _draft_ticket(
    rng: random.Random,
    customer: DemoCustomer,
    units: Sequence[DemoEquipment],
    contacts: Sequence[DemoContact],
) -> _TicketDraft:
    """One service request, raised after the customer (and unit) existed, before REFERENCE_TIME."""
    unit = rng.choice(units) if units and rng.random() < 0.85 else None
    earliest = customer.created_at
    if unit:
        model = MODEL_BY_NAME[unit.model]
        fault = rng.choice(FAULTS[model.category])
        title = rng.choice(
            (fault.title, f"{model.category}: {fault.title}", f"{unit.model} - {fault.title}")
        )
        installed = datetime(
            unit.installed_at.year, unit.installed_at.month, unit.installed_at.day, tzinfo=UTC
        )
        earliest = max(earliest, installed)
        detail = f"{fault.detail} {rng.choice(IMPACTS)} {rng.choice(CONTEXTS)}"
    else:
        fault = rng.choice(GENERAL_FAULTS)
        title = fault.title
        detail = fault.detail
    earliest = min(earliest, REFERENCE_TIME)
    created = earliest + (REFERENCE_TIME - earliest) * rng.random()
    priority = _priority(rng, fault.priority)
    resolved = created + timedelta(hours=0.5 + rng.expovariate(1 / RESOLUTION_HOURS[priority]))
    reporter = rng.choice(contacts) if contacts else None
    description = None
    if rng.random() < 0.9:
        who = f"{reporter.name} ({reporter.role or 'customer'})" if reporter else "Customer"
        description = f"{who} reports: {detail}".rstrip()
    if resolved <= REFERENCE_TIME and rng.random() < 0.97:
        status, updated, closed = "closed", resolved, resolved
    else:
        status = "in_progress" if rng.random() < 0.55 else "open"
        updated = (
            created + (REFERENCE_TIME - created) * rng.random()
            if status == "in_progress"
            else created
        )
        closed = None
    return _TicketDraft(
        id=_uuid(rng),
        customer_id=customer.id,
        equipment_id=unit.id if unit else None,
        title=title,
        description=description,
        status=status,
        priority=priority,
        created_at=created,
        updated_at=updated,
        closed_at=closed,
    )


def _number_tickets(drafts: list[_TicketDraft]) -> list[DemoTicket]:
    """Order by creation and number per year (TKT-2025-000123) as a real desk would."""
    per_year: dict[int, int] = {}
    tickets = []
    for draft in sorted(drafts, key=lambda ticket: ticket.created_at):
        year = draft.created_at.year
        per_year[year] = sequence = per_year.get(year, 0) + 1
        tickets.append(DemoTicket(ticket_number=f"TKT-{year}-{sequence:06d}", **draft._asdict()))
    return tickets


def generate(*, n_customers: int, tickets_per_customer: float = 3.0, seed: int = 7) -> DemoDataset:
    """Build a complete, internally consistent dataset of ``n_customers`` for ``seed``.

    Customers with more installed equipment raise more tickets; on average
    each customer has ``tickets_per_customer``.
    """
    if tickets_per_customer < 0:
        raise ValueError("tickets_per_customer must not be negative")
    organizations = [
        plan.organization for plan in _plan_organizations(seed, n_customers, _pan_space(seed))
    ]
    customers = list(iter_customers(n=n_customers, seed=seed))
    rng = random.Random(f"{NAMESPACE}:{seed}:service")
    serials = _ShuffledCounter(10**8, rng)
    contacts: list[DemoContact] = []
    equipment: list[DemoEquipment] = []
    people_by_customer = []
    units_by_customer = []
    for customer in customers:
        people = _contacts_for(rng, customer)
        units = _equipment_for(rng, customer, people, serials)
        contacts.extend(people)
        equipment.extend(units)
        people_by_customer.append(people)
        units_by_customer.append(units)
    weights = [
        _ticket_weight(customer, units)
        for customer, units in zip(customers, units_by_customer, strict=True)
    ]
    scale = tickets_per_customer * len(customers) / sum(weights) if customers else 0.0
    drafts = [
        _draft_ticket(rng, customer, units, people)
        for customer, people, units, weight in zip(
            customers, people_by_customer, units_by_customer, weights, strict=True
        )
        for _ in range(_ticket_count(rng, weight * scale))
    ]
    return DemoDataset(
        organizations=organizations,
        customers=customers,
        contacts=contacts,
        equipment=equipment,
        tickets=_number_tickets(drafts),
    )
