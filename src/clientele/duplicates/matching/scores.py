"""Scores and reasons: a pair's match weight, probability and the evidence behind it."""

import math
from dataclasses import dataclass, field

from clientele.duplicates.matching.compare import (
    CITY,
    EMAIL,
    FIELDS,
    GIVEN,
    GSTIN,
    LEVELS,
    LOCALITY,
    NAME,
    NULL,
    NUMBER,
    PHONE,
    PINCODE,
    STATE,
    STREET,
    SURNAME,
    _org_name,
    compare,
    compare_code,
    part_similarity,
    person_alignment,
)
from clientele.duplicates.matching.model import DEFAULT_MODEL, MATCH_PROBABILITY, Model, Rarity
from clientele.duplicates.matching.records import MatchRecord


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence, with its log2 Bayes factor (positive: for a duplicate)."""

    field: str
    level: str
    text: str
    weight: float

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "text": self.text, "weight": round(self.weight, 2)}


@dataclass(frozen=True, slots=True)
class Score:
    """The match weight of a pair, its probability and the evidence behind it."""

    weight: float
    reasons: tuple[Reason, ...] = field(default=())
    prior: float = DEFAULT_MODEL.prior

    @property
    def probability(self) -> float:
        """P(duplicate | evidence) under the model's prior."""
        return 1.0 / (1.0 + math.pow(2.0, -(self.weight + self.prior)))

    @property
    def is_match(self) -> bool:
        return self.probability >= MATCH_PROBABILITY


def _pct(sim: float) -> str:
    return f"{sim:.0%}"


def _reason_text(a: MatchRecord, b: MatchRecord, k: int, level: int) -> str:
    name = LEVELS[FIELDS[k]][level]
    if k == NAME:
        shown = f"{a.name!r} / {b.name!r}"
        if name == "exact":
            return f"same name once normalized: {shown}"
        sim = _pct(_org_name(a.key, b.key)[1])
        return {
            "core": f"names share their distinctive words ({sim}): {shown}",
            "high": f"names nearly equal ({sim}): {shown}",
            "medium": f"names alike ({sim}): {shown}",
            "kind": f"one name, another kind of place: {shown}",
            "low": f"names differ ({sim}): {shown}",
        }.get(name, f"different names ({sim}): {shown}")
    if k in (GIVEN, SURNAME):
        ga, gb, sa, sb = person_alignment(a.person, b.person)
        x, y = (ga, gb) if k == GIVEN else (sa, sb)
        what = "given name" if k == GIVEN else "surname"
        swapped = bool(x and y and (x == a.person[0]) != (y == b.person[0]))
        order = " (name order swapped)" if swapped and len(a.person) > 1 < len(b.person) else ""
        shown = f"{x!r} / {y!r}{order}"
        if name == "exact":
            if x == y:
                return f"same {what} {x!r}{order}"
            return f"same {what}, spelled {shown}"
        sim = _pct(part_similarity(x or "", y or ""))
        return {
            "high": f"{what}s nearly equal ({sim}): {shown}",
            "medium": f"{what}s alike ({sim}): {shown}",
            "initial": f"{what} matches an initial: {shown}",
        }.get(name, f"different {what}s: {shown}")
    if k == PHONE:
        if name == "same":
            return f"same phone {sorted(a.phones & b.phones)[0]}"
        return "no phone in common"
    if k == EMAIL:
        return {
            "same": f"same e-mail {a.email}",
            "alike": f"e-mails alike: {a.email} / {b.email}",
        }.get(name, f"different e-mails: {a.email} / {b.email}")
    if k == GSTIN:
        return {
            "same": f"same GSTIN {a.gstin}",
            "same_pan": f"same PAN, other registration: {a.gstin} / {b.gstin}",
        }.get(name, f"different GSTINs (other legal entities): {a.gstin} / {b.gstin}")
    if k == CITY:
        return {
            "same": f"same city {(a.city or '').title()}",
            "alike": f"city spelled alike: {a.city} / {b.city}",
        }.get(name, f"different cities: {(a.city or '').title()} / {(b.city or '').title()}")
    if k == STATE:
        if name == "same":
            return f"same state {(a.state or '').title()}"
        return f"different states: {(a.state or '').title()} / {(b.state or '').title()}"
    if k == PINCODE:
        return {
            "same": f"same pincode {a.pincode}",
            "alike": f"pincodes one digit apart: {a.pincode} / {b.pincode}",
        }.get(name, f"different pincodes: {a.pincode} / {b.pincode}")
    if k == NUMBER:
        x, y = " ".join(sorted(a.numbers)), " ".join(sorted(b.numbers))
        return {
            "same": f"same house number {x}",
            "overlap": f"house numbers overlap: {x} / {y}",
        }.get(name, f"different house numbers: {x} / {y}")
    if k == STREET:
        return {
            "same": f"same street {a.street!r}",
            "alike": f"streets alike: {a.street!r} / {b.street!r}",
            "weak": f"streets somewhat alike: {a.street!r} / {b.street!r}",
        }.get(name, f"different streets: {a.street!r} / {b.street!r}")
    if k == LOCALITY:
        x, y = a.locality or a.address, b.locality or b.address
        return {
            "same": f"same locality {x!r}",
            "alike": f"localities alike: {x!r} / {y!r}",
        }.get(name, f"different localities: {x!r} / {y!r}")
    if name == "same":
        return f"same type {a.customer_type}"
    return f"different types: {a.customer_type} / {b.customer_type}"


def explain(
    a: MatchRecord,
    b: MatchRecord,
    model: Model,
    rarity: Rarity | None = None,
    levels: tuple[int, ...] | None = None,
) -> Score:
    """The pair's score with one reason per compared field, strongest first."""
    levels = levels if levels is not None else compare(a, b)
    reasons = []
    for k, level in enumerate(levels):
        if level == NULL:
            continue
        weight = model.weights[k][level]
        text = _reason_text(a, b, k, level)
        if rarity is not None and k in (NAME, GIVEN, SURNAME):
            adjust = rarity.field_adjustment(a, b, k, level)
            if adjust:
                text = f"{text} ({'rare' if adjust > 0 else 'common'}, {adjust:+.1f})"
                weight += adjust
        reasons.append(Reason(FIELDS[k], LEVELS[FIELDS[k]][level], text, weight))
    reasons.sort(key=lambda r: -abs(r.weight))
    return Score(weight=sum(r.weight for r in reasons), reasons=tuple(reasons), prior=model.prior)


def likely(a: MatchRecord, b: MatchRecord, model: Model = DEFAULT_MODEL) -> bool:
    """Whether the pair reaches MATCH_PROBABILITY (no reasons built: the cheap first look)."""
    needed = math.log2(MATCH_PROBABILITY / (1 - MATCH_PROBABILITY))
    return model.code_weight(compare_code(a, b)) + model.prior >= needed


def score_pair(
    a: MatchRecord,
    b: MatchRecord,
    rarity: Rarity | None = None,
    model: Model = DEFAULT_MODEL,
) -> Score:
    """Compare two customers: the match weight and every reason, strongest first (pure).

    `rarity` (from the scanned data) adjusts the names' weights by how common they are.
    """
    return explain(a, b, model, rarity)
