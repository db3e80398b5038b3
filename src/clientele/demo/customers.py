"""The demo generator's customers and organisations: names, phones, GSTINs, addresses, tags,
streamed by ``iter_customers`` so a million rows never sit in memory at once. Everything derives
from the seed; the words and shares it draws from are in vocabulary.py.
"""

import random
import uuid
from collections import deque
from collections.abc import Iterator
from typing import NamedTuple

from clientele.demo.records import (
    HISTORY,
    NAMESPACE,
    REFERENCE_TIME,
    DemoCustomer,
    DemoOrganization,
)
from clientele.demo.vocabulary import (
    BLOCKED_REASONS,
    BRANDS,
    BUILDINGS,
    CITIES,
    CITY_POOL,
    CLINIC_KIND_POOL,
    COMMON_TAGS,
    CUSTOMER_TYPES,
    DEALER_KINDS,
    DOCTOR_HOSPITAL_KINDS,
    DOCTOR_SPECIALTIES,
    DUPLICATE_REASON,
    ENTITY_CHARS,
    FIRST_NAMES,
    FREE_MAIL,
    GROUP_KINDS,
    GROUP_TIERS,
    GST_SHARE,
    HOSPITAL_KIND_POOL,
    LAB_KIND_POOL,
    LANDLINE_SHARE,
    LANDMARKS,
    LETTERS,
    MAKER_KINDS,
    MAKER_WORDS,
    MEMORIAL_FIRST_NAMES,
    MOBILE_PREFIXES,
    MOBILE_TAIL,
    NAME_NOISE,
    NOT_SLUG,
    ORG_MAIL_BOXES,
    PAN_HOLDERS,
    SPELLING_VARIANTS,
    STATE_CODES,
    STREETS,
    SURNAMES,
    TAGS,
    TIERS_BY_TYPE,
    TLDS,
    TRADE_WORDS,
    City,
)
from clientele.gstin import gstin_check_char


class _ShuffledCounter:
    """Hands out every value of range(size) exactly once, in a keyed pseudo-random order.

    Phones, PANs and serial numbers must never collide however many rows are
    generated, yet should look random; random draws collide (birthday
    paradox), a shuffled counter cannot.  Rounds of xorshift, odd multiply and
    add are each invertible modulo 2**bits; values that land outside
    range(size) are walked round the cycle until they land inside.
    """

    __slots__ = ("_keys", "_mask", "_next", "_shift", "_size")

    def __init__(self, size: int, rng: random.Random) -> None:
        bits = max(size - 1, 1).bit_length()
        self._size = size
        self._next = 0
        self._mask = (1 << bits) - 1
        self._shift = max(bits // 2, 1)
        self._keys = tuple((rng.getrandbits(bits) | 1, rng.getrandbits(bits)) for _ in range(3))

    @property
    def exhausted(self) -> bool:
        return self._next >= self._size

    def take(self) -> int:
        """The next value; raises OverflowError once all of range(size) is used."""
        if self.exhausted:
            raise OverflowError(f"all {self._size} unique values are used")
        value, mask, shift, size = self._next, self._mask, self._shift, self._size
        self._next += 1
        while True:
            for multiplier, offset in self._keys:
                value = ((value ^ (value >> shift)) * multiplier + offset) & mask
            if value < size:
                return value


def _uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from the seeded generator, so ids replay with the data."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses and domains."""
    return NOT_SLUG.sub("", text.lower())


def _person(rng: random.Random, region: str) -> tuple[str, str]:
    """A (first, last) name, mostly from the city's region as in real customer lists."""
    first_pool = region if rng.random() < 0.8 else "any"
    last_pool = first_pool if rng.random() < 0.9 else "any"
    return rng.choice(FIRST_NAMES[first_pool]), rng.choice(SURNAMES[last_pool])


def _random_mobile(rng: random.Random) -> str:
    """Any valid mobile number; used where uniqueness does not matter."""
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(MOBILE_TAIL):07d}"


class _PanSpace:
    """Unique PANs (GSTIN characters 3-12) for everyone registered under one seed.

    The random part of a PAN is 3 letters, 4 digits and a letter; shuffling a
    counter over that space makes every GSTIN in the dataset distinct.
    """

    __slots__ = ("_values",)

    def __init__(self, rng: random.Random) -> None:
        self._values = _ShuffledCounter(26**4 * 10**4, rng)

    def take(self, holder: str, name: str) -> str:
        """Next PAN for a holder type; its 5th letter is the name's initial, as on real PANs."""
        value, last = divmod(self._values.take(), 26)
        value, digits = divmod(value, 10**4)
        head = LETTERS[value // 676] + LETTERS[value // 26 % 26] + LETTERS[value % 26]
        return f"{head}{holder}{_initial(name)}{digits:04d}{LETTERS[last]}"


def _initial(name: str) -> str:
    """First letter of the significant part of a name ("Dr. Mehta's..." -> "M")."""
    for word in name.split():
        if word.lower() not in NAME_NOISE and word[0].isalpha():
            return word[0].upper()
    return "X"


def _gstin(state: str, pan: str, entity: str) -> str:
    """Assemble a GSTIN with the correct check character for a state and PAN."""
    first14 = f"{STATE_CODES[state]}{pan}{entity}Z"
    return first14 + gstin_check_char(first14)


class _OrgPlan(NamedTuple):
    organization: DemoOrganization
    brand: str
    kind: str  # hospital or lab: what its branches are
    cities: tuple[City, ...]
    pan: str
    domain: str


def _plan_organizations(seed: int, n_customers: int, pans: _PanSpace) -> list[_OrgPlan]:
    """Hospital groups and diagnostic chains: one per hundred customers, at most ~300 names.

    Both ``generate`` and ``iter_customers`` rebuild the same plans from the
    seed, so streamed customers reference exactly the organisations that
    ``generate`` returns; the plans take the first PANs from ``pans``.
    """
    rng = random.Random(f"{NAMESPACE}:{seed}:organizations")
    names = sorted({(brand, group) for brand in BRANDS for group in GROUP_KINDS})
    count = min(len(names), n_customers // 100 if n_customers >= 100 else int(n_customers >= 30))
    plans = []
    for brand, (group, kind) in rng.sample(names, count):
        name = f"{brand} {group}"
        plans.append(
            _OrgPlan(
                organization=DemoOrganization(id=_uuid(rng), name=name),
                brand=brand,
                kind=kind,
                cities=tuple(rng.sample(CITIES, rng.randint(2, 8))),
                pan=pans.take("C", name),
                domain=f"{_slug(brand)}{kind}s.{rng.choice(TLDS)}",
            )
        )
    return plans


def _pan_space(seed: int) -> _PanSpace:
    """The one PAN space shared by organisations and standalone customers of a seed."""
    return _PanSpace(random.Random(f"{NAMESPACE}:{seed}:pan"))


class _CustomerFactory:
    """Stateful source of customers: counters keep phones and GSTINs unique as it streams."""

    def __init__(self, seed: int, n: int) -> None:
        self._rng = random.Random(f"{NAMESPACE}:{seed}:customers")
        keys = random.Random(f"{NAMESPACE}:{seed}:phone-keys")
        self._pans = _pan_space(seed)
        self._plans = _plan_organizations(seed, n, self._pans)
        self._mobiles = _ShuffledCounter(len(MOBILE_PREFIXES) * MOBILE_TAIL, keys)
        # Keyed by STD code, not city: Mumbai and Thane share 022.
        stds = sorted({city.std_code for city in CITIES})
        self._landlines = {std: _ShuffledCounter(10 ** (9 - len(std)), keys) for std in stds}
        self._branch_entities: dict[tuple[str, str], int] = {}
        self._recent: deque[DemoCustomer] = deque(maxlen=64)

    def build(self) -> DemoCustomer:
        """Next customer; about 2% are inactive/blocked duplicates of a recent active one."""
        if self._recent and self._rng.random() < 0.02:
            return self._duplicate()
        customer = self._fresh()
        if customer.status == "active":
            self._recent.append(customer)
        return customer

    def _fresh(self) -> DemoCustomer:
        """A new customer: standalone, or now and then a branch of an organisation."""
        rng = self._rng
        rand = rng.random
        customer_type = rng.choice(CUSTOMER_TYPES)
        plan = None
        if self._plans and customer_type in ("hospital", "lab") and rand() < 0.15:
            plan = rng.choice(self._plans)
            customer_type = plan.kind
        city = rng.choice(plan.cities) if plan else rng.choice(CITY_POOL)
        locality, pincode = rng.choice(city.localities)
        name = self._branch_name(plan, city, locality) if plan else _name(rng, customer_type, city)
        mailbox_suffix = f".{_slug(locality)}" if plan else ""
        primary, primary_is_mobile = self._primary_phone(customer_type, city)
        secondary = _random_mobile(rng) if rand() < 0.35 else None
        status = "active" if rand() < 0.945 else ("inactive" if rand() < 0.65 else "blocked")
        display_name = None
        if rand() < 0.3:
            display_name = f"{plan.brand} {locality}" if plan else _short_name(name)
        street = None
        if customer_type != "individual" or rand() < 0.7:
            street = _street_address(rng, city)
        if rand() < 0.3:
            locality = f"Near {rng.choice(LANDMARKS)}, {locality}"
        return DemoCustomer(
            id=_uuid(rng),
            organization_id=plan.organization.id if plan else None,
            customer_type=customer_type,
            name=name,
            display_name=display_name,
            primary_phone=primary,
            secondary_phone=secondary,
            whatsapp_number=_whatsapp(rng, primary, primary_is_mobile, secondary),
            primary_email=self._email(customer_type, name, plan, mailbox_suffix),
            address_line1=street,
            address_line2=locality,
            city=city.name,
            state=city.state,
            postal_code=pincode,
            tax_id=self._gstin(customer_type, name, city, plan),
            tier=rng.choice(GROUP_TIERS if plan else TIERS_BY_TYPE[customer_type]),
            status=status,
            blocked_reason=rng.choice(BLOCKED_REASONS) if status == "blocked" else None,
            tags=_tags(rng, customer_type),
            created_at=REFERENCE_TIME - HISTORY * rand() ** 1.5,
        )

    def _duplicate(self) -> DemoCustomer:
        """A re-keyed copy of a recent active customer, as made by a hurried data-entry clerk.

        It shares the original's phone, so it is never active (the database
        allows one active customer per primary phone).
        """
        rng = self._rng
        original = rng.choice(self._recent)
        blocked = rng.random() < 0.4
        age = REFERENCE_TIME - original.created_at
        return DemoCustomer(
            id=_uuid(rng),
            organization_id=original.organization_id,
            customer_type=original.customer_type,
            name=_misspell(rng, original.name),
            display_name=None,
            primary_phone=original.primary_phone,
            secondary_phone=None,
            whatsapp_number=original.whatsapp_number,
            primary_email=original.primary_email if rng.random() < 0.5 else None,
            address_line1=original.address_line1,
            address_line2=original.address_line2,
            city=original.city,
            state=original.state,
            postal_code=original.postal_code,
            tax_id=None,
            tier="standard",
            status="blocked" if blocked else "inactive",
            blocked_reason=DUPLICATE_REASON if blocked else None,
            tags=(),
            created_at=original.created_at + age * rng.random(),
        )

    def _primary_phone(self, customer_type: str, city: City) -> tuple[str, bool]:
        """A phone no other customer of this seed has, and whether it is a mobile.

        Hospitals and firms often list the city landline (STD code, then a
        BSNL-style number starting with 2); everyone else a mobile.
        """
        std = city.std_code
        landlines = self._landlines[std]
        if not landlines.exhausted and self._rng.random() < LANDLINE_SHARE[customer_type]:
            return f"+91{std}2{landlines.take():0{9 - len(std)}d}", False
        series, tail = divmod(self._mobiles.take(), MOBILE_TAIL)
        return f"{MOBILE_PREFIXES[series]}{tail:07d}", True

    def _branch_name(self, plan: _OrgPlan, city: City, locality: str) -> str:
        """Group brand plus where the branch is, e.g. "Sunrise Hospital, Koramangala"."""
        rng = self._rng
        if plan.kind == "lab":
            kind = rng.choice(("Diagnostics", "Diagnostic Centre", "Path Lab"))
        else:
            kind = rng.choice(
                ("Hospital", "Hospitals", "Multispeciality Hospital", "Super Speciality Hospital")
            )
        where = locality if rng.random() < 0.6 else city.name
        separator = ", " if rng.random() < 0.5 else " - "
        return f"{plan.brand} {kind}{separator}{where}"

    def _email(
        self, customer_type: str, name: str, plan: _OrgPlan | None, mailbox_suffix: str
    ) -> str | None:
        """Branches use the group domain, firms their own, doctors and small clinics free mail."""
        rng = self._rng
        roll = rng.random()
        if roll < 0.08:
            return None
        if plan:
            return f"{rng.choice(ORG_MAIL_BOXES)}{mailbox_suffix}@{plan.domain}"
        if customer_type in ("individual", "clinic") or name.startswith("Dr.") or roll < 0.3:
            handle = ".".join(filter(None, (_slug(word) for word in name.split()[:3])))
            suffix = str(rng.randrange(1, 100)) if rng.random() < 0.5 else ""
            return f"{handle}{suffix}@{rng.choice(FREE_MAIL)}"
        domain = _slug(" ".join(name.split()[:2]))
        return f"{rng.choice(ORG_MAIL_BOXES)}@{domain}.{rng.choice(TLDS)}"

    def _gstin(
        self, customer_type: str, name: str, city: City, plan: _OrgPlan | None
    ) -> str | None:
        """Branches share their group's PAN with one registration number per state branch."""
        if plan:
            key = (plan.pan, city.state)
            branch = self._branch_entities.get(key, 0)
            if branch >= len(ENTITY_CHARS):
                return None
            self._branch_entities[key] = branch + 1
            return _gstin(city.state, plan.pan, ENTITY_CHARS[branch])
        if self._rng.random() >= GST_SHARE[customer_type]:
            return None
        pan = self._pans.take(self._rng.choice(PAN_HOLDERS[customer_type]), name)
        return _gstin(city.state, pan, "1" if self._rng.random() < 0.9 else "2")


def _name(rng: random.Random, customer_type: str, city: City) -> str:
    """A business or doctor name in the patterns Indian healthcare actually uses."""
    roll = rng.random()
    if customer_type == "hospital":
        if roll < 0.7:
            return f"{rng.choice(BRANDS)} {rng.choice(HOSPITAL_KIND_POOL)}"
        if roll < 0.8:
            return f"Dr. {_person(rng, city.region)[1]}'s {rng.choice(DOCTOR_HOSPITAL_KINDS)}"
        if roll < 0.83:
            return f"{rng.choice(MEMORIAL_FIRST_NAMES)} Devi Memorial Hospital"
        if roll < 0.9:
            return f"{_person(rng, city.region)[1]} Memorial Hospital"
        return f"{city.name} {rng.choice(HOSPITAL_KIND_POOL)}"
    if customer_type == "clinic":
        if roll < 0.4:
            return f"Dr. {_person(rng, city.region)[1]}'s {rng.choice(DOCTOR_SPECIALTIES)} Clinic"
        return f"{rng.choice(BRANDS)} {rng.choice(CLINIC_KIND_POOL)}"
    if customer_type == "lab":
        if roll < 0.85:
            return f"{rng.choice(BRANDS)} {rng.choice(LAB_KIND_POOL)}"
        return f"Dr. {_person(rng, city.region)[1]}'s Pathology Lab"
    if customer_type == "dealer":
        if roll < 0.8:
            return f"{rng.choice(TRADE_WORDS)} {rng.choice(DEALER_KINDS)}"
        return f"{_person(rng, city.region)[1]} Medical Agencies"
    if customer_type == "manufacturer":
        return f"{rng.choice(MAKER_WORDS)} {rng.choice(MAKER_KINDS)}"
    first, last = _person(rng, city.region)
    return f"Dr. {first} {last}"


def _short_name(name: str) -> str | None:
    """The name staff actually use: "SMH" for Sunrise Multispeciality Hospital, no "Pvt Ltd"."""
    trade_name = name.removesuffix(" Pvt Ltd").removesuffix(" Ltd")
    if trade_name != name:
        return trade_name
    words = name.split()
    if name.startswith("Dr.") or len(words) < 3:
        return None
    return "".join(word[0] for word in words if word[0].isupper())


def _misspell(rng: random.Random, name: str) -> str:
    """Re-type a name the way duplicates differ: punctuation, abbreviations, case."""
    for original, variant in rng.sample(SPELLING_VARIANTS, len(SPELLING_VARIANTS)):
        if original in name:
            return name.replace(original, variant, 1)
    return name.upper()


def _whatsapp(
    rng: random.Random, primary: str, primary_is_mobile: bool, secondary: str | None
) -> str | None:
    """WhatsApp needs a mobile: usually the primary mobile, else the (mobile) secondary one."""
    if primary_is_mobile and rng.random() < 0.8:
        return primary
    if secondary and rng.random() < 0.7:
        return secondary
    return _random_mobile(rng) if rng.random() < 0.3 else None


def _street_address(rng: random.Random, city: City) -> str:
    """First address line in one of the common Indian layouts."""
    roll = rng.random()
    number = rng.randint(1, 250)
    if roll < 0.3:
        return f"{number}, {rng.choice(STREETS)}"
    if roll < 0.5:
        return f"Plot No. {number}, {rng.choice(STREETS)}"
    if roll < 0.65:
        return f"{rng.choice(('Ground', '1st', '2nd', '3rd'))} Floor, {rng.choice(BUILDINGS)}"
    if roll < 0.8 and city.region == "south":
        return f"Door No. {rng.randint(1, 12)}-{rng.randint(1, 9)}-{number}, {rng.choice(STREETS)}"
    return f"{number}/{rng.randint(1, 20)}, {rng.choice(STREETS)}"


def _tags(rng: random.Random, customer_type: str) -> tuple[str, ...]:
    """Zero to three tags from the customer type's own list and the common ones."""
    count = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
    if not count:
        return ()
    return tuple(sorted(rng.sample(TAGS[customer_type] + COMMON_TAGS, count)))


def iter_customers(*, n: int, seed: int = 7) -> Iterator[DemoCustomer]:
    """Stream ``n`` customers for ``seed``; memory stays flat even for millions of rows."""
    if n < 0:
        raise ValueError("n must not be negative")
    factory = _CustomerFactory(seed, n)
    return (factory.build() for _ in range(n))
