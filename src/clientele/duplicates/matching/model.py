"""The model: m and u probabilities per level (Fellegi-Sunter), term frequencies, the default."""

import math
from collections.abc import Iterable

from clientele.duplicates.matching.compare import (
    FIELDS,
    GIVEN,
    LEVELS,
    NAME,
    NULL,
    SURNAME,
    decode,
    person_alignment,
)
from clientele.duplicates.matching.names import phonetic
from clientele.duplicates.matching.records import MatchRecord


class Model:
    """m = P(level | duplicate), u = P(level | different customers) for each field's levels,
    and the share of duplicates among the candidate pairs (the prior).

    A level's weight is log2(m/u); a pair's weight is the sum over its fields. The probability
    that a pair is one customer is 1 / (1 + 2^-(weight + prior)).
    """

    __slots__ = ("duplicate_share", "m", "prior", "source", "u", "weights")

    def __init__(
        self,
        m: dict[str, tuple[float, ...]],
        u: dict[str, tuple[float, ...]],
        duplicate_share: float,
        source: str = "default",
    ) -> None:
        self.m = m
        self.u = u
        self.duplicate_share = duplicate_share
        self.source = source
        self.weights: tuple[tuple[float, ...], ...] = tuple(
            tuple(math.log2(mi / ui) for mi, ui in zip(m[f], u[f], strict=True)) for f in FIELDS
        )
        self.prior = math.log2(duplicate_share / (1.0 - duplicate_share))

    @classmethod
    def from_table(
        cls, table: dict[str, tuple[tuple[float, ...], tuple[float, ...]]], duplicate_share: float
    ) -> "Model":
        """A model from one row per field: (m per level, u per level)."""
        return cls(
            m={f: mu[0] for f, mu in table.items()},
            u={f: mu[1] for f, mu in table.items()},
            duplicate_share=duplicate_share,
        )

    def weight(self, field: str, level: str) -> float:
        return self.weights[FIELDS.index(field)][LEVELS[field].index(level)]

    def code_weight(self, code: int) -> float:
        total = 0.0
        for k, level in enumerate(decode(code)):
            if level != NULL:
                total += self.weights[k][level]
        return total

    def as_dict(self) -> dict[str, object]:
        return {
            "duplicate_share": round(self.duplicate_share, 6),
            "m": {f: [round(x, 5) for x in self.m[f]] for f in FIELDS},
            "u": {f: [round(x, 5) for x in self.u[f]] for f in FIELDS},
        }


class TermFrequencies:
    """How common each value of a field is in the scanned data (term-frequency adjustment).

    The adjustment is log2(u_average / u_value): u_value the chance that two random records
    share this value, u_average the same over all values; clamped, so no value decides alone.
    A match on a rare surname is stronger evidence than on "Sharma"; on "City Hospital" weaker.
    """

    LOW, HIGH = -5.0, 5.0

    def __init__(self, values: Iterable[str]) -> None:
        counts: dict[str, int] = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        total = sum(counts.values()) or 1
        self._counts = counts
        self._total = total
        self._average = sum(c * c for c in counts.values()) / (total * total) or 1.0

    @property
    def maximum(self) -> float:
        """The largest adjustment any agreement can get (a value seen once)."""
        return round(min(self.HIGH, max(self.LOW, math.log2(self._average * self._total))), 2)

    def adjustment(self, a: str, b: str) -> float:
        """The weight to add when two records agree on these values (the commoner counts)."""
        count = max(self._counts.get(a, 1), self._counts.get(b, 1))
        value = math.log2(self._average / (count / self._total))
        return round(min(self.HIGH, max(self.LOW, value)), 2)


class Rarity:
    """Term frequencies of the fields whose values differ most in how common they are."""

    def __init__(self, records: Iterable[MatchRecord]) -> None:
        cores: list[str] = []
        given: list[str] = []
        surnames: list[str] = []
        for r in records:
            if r.person:
                given.append(phonetic(r.person[0]))
                if len(r.person) >= 2:
                    surnames.append(phonetic(r.person[-1]))
            elif r.key.core:
                cores.append(r.key.core)
        self.name = TermFrequencies(cores)
        self.given = TermFrequencies(given)
        self.surname = TermFrequencies(surnames)
        # The most any pair can gain from the adjustment: a scan skips pairs that cannot match.
        self.most = max(self.name.maximum, self.given.maximum + self.surname.maximum, 0.0)

    def field_adjustment(self, a: MatchRecord, b: MatchRecord, k: int, level: int) -> float:
        """The adjustment of one field's level: agreeing names only (0 otherwise)."""
        if k == NAME and level in (0, 1):
            return self.name.adjustment(a.key.core, b.key.core)
        if level != 0 or k not in (GIVEN, SURNAME):
            return 0.0
        ga, gb, sa, sb = person_alignment(a.person, b.person)
        if k == GIVEN and ga is not None and gb is not None:
            return self.given.adjustment(phonetic(ga), phonetic(gb))
        if k == SURNAME and sa is not None and sb is not None:
            return self.surname.adjustment(phonetic(sa), phonetic(sb))
        return 0.0

    def adjustment(self, a: MatchRecord, b: MatchRecord, levels: tuple[int, ...]) -> float:
        """The term-frequency adjustment of a pair's agreeing names (0 when none agree)."""
        total = 0.0
        for k in (NAME, GIVEN, SURNAME):
            if levels[k] in (0, 1):
                total += self.field_adjustment(a, b, k, levels[k])
        return total


# m and u per level and the share of duplicates among candidate pairs before any estimation:
# the parameters of the online check, the start (and prior) of each scan's EM, and the m a
# scan keeps when its own estimate is not plausible. Made by EM on the development set (the
# synthetic Indian set, seed 1), every m at least 1%: `evaluation.fit_default_model` and
# `evaluation.default_model_source`.
DEFAULT_MODEL = Model.from_table(
    {  # field: (m per level, u per level)
        "name": (
            (0.681, 0.102, 0.159, 0.0279, 0.00982, 0.0102, 0.00982),
            (0.0806, 0.0034, 0.00338, 0.000988, 0.00613, 0.0173, 0.888),
        ),
        "given_name": (
            (0.715, 0.231, 0.0337, 0.00984, 0.00984),
            (0.38, 0.00658, 0.00597, 0.0001, 0.608),
        ),
        "surname": (
            (0.806, 0.164, 0.0197, 0.00992),
            (0.389, 0.00529, 0.0018, 0.604),
        ),
        "phone": (
            (0.86, 0.14),
            (0.00681, 0.993),
        ),
        "email": (
            (0.98, 0.00981, 0.00981),
            (0.0421, 0.01, 0.948),
        ),
        "gstin": (
            (0.98, 0.00981, 0.00981),
            (0.0001, 0.0001, 1),
        ),
        "city": (
            (0.98, 0.0098, 0.0098),
            (0.832, 0.0001, 0.168),
        ),
        "state": (
            (0.98, 0.02),
            (0.6, 0.4),
        ),
        "pincode": (
            (0.98, 0.0098, 0.0098),
            (0.615, 0.0608, 0.324),
        ),
        "street_number": (
            (0.98, 0.0098, 0.0098),
            (0.225, 0.071, 0.704),
        ),
        "street": (
            (0.971, 0.00971, 0.00971, 0.00971),
            (0.447, 0.0001, 0.0321, 0.521),
        ),
        "locality": (
            (0.98, 0.0098, 0.0098),
            (0.636, 0.00261, 0.361),
        ),
        "customer_type": (
            (0.99, 0.0099),
            (0.476, 0.524),
        ),
    },
    duplicate_share=0.06458,
)
# From this probability a pair is a likely duplicate (chosen on the development sets, not on
# the reported ones: see docs/duplicates.md).
MATCH_PROBABILITY = 0.2
# Two groups of likely pairs join only when their members are on average at least
# GROUP_PROBABILITY one customer and no pair across them is below CONTRADICTION_PROBABILITY
# (`PairScorer.groups`; both chosen on the development sets: `phone_changed.choose_group`).
GROUP_PROBABILITY = 0.3
CONTRADICTION_PROBABILITY = 1e-4
