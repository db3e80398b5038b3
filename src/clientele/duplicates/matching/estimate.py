"""Estimation (EM) and the scan's scoring of many pairs."""

import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from clientele.duplicates.matching.compare import (
    EMAIL,
    FIELDS,
    GIVEN,
    GSTIN,
    LEVELS,
    NAME,
    NULL,
    PHONE,
    SURNAME,
    compare_code,
    contradicts,
    decode,
)
from clientele.duplicates.matching.groups import checked_groups
from clientele.duplicates.matching.model import (
    CONTRADICTION_PROBABILITY,
    DEFAULT_MODEL,
    GROUP_PROBABILITY,
    MATCH_PROBABILITY,
    Model,
    Rarity,
)
from clientele.duplicates.matching.records import MatchRecord
from clientele.duplicates.matching.scores import Score, explain


def _em(
    patterns: list[tuple[tuple[int, ...], int]],
    start: Model,
    *,
    update_m: bool,
    iterations: int,
    strength: float,
) -> Model:
    """Expectation-maximisation over pattern counts; m stays the start's unless `update_m`."""
    total = sum(n for _, n in patterns)
    m = {f: list(start.m[f]) for f in FIELDS}
    u = {f: list(start.u[f]) for f in FIELDS}
    share = start.duplicate_share
    for _ in range(iterations):
        weights = [[math.log(x / y) for x, y in zip(m[f], u[f], strict=True)] for f in FIELDS]
        prior = math.log(share / (1.0 - share))
        m_counts = [[0.0] * len(LEVELS[f]) for f in FIELDS]
        u_counts = [[0.0] * len(LEVELS[f]) for f in FIELDS]
        expected = 0.0
        for levels, n in patterns:
            odds = prior
            for k, level in enumerate(levels):
                if level != NULL:
                    odds += weights[k][level]
            p = 1.0 / (1.0 + math.exp(-odds)) if odds > -700 else 0.0
            pm, pu = n * p, n * (1.0 - p)
            expected += pm
            for k, level in enumerate(levels):
                if level != NULL:
                    m_counts[k][level] += pm
                    u_counts[k][level] += pu
        new_share = min(max(expected / total, 1e-6), 0.99)
        change = abs(new_share - share)
        share = new_share
        for k, f in enumerate(FIELDS):
            pairs = [(u, u_counts[k], start.u[f])]
            if update_m:
                pairs.append((m, m_counts[k], start.m[f]))
            for prob, counts_k, base in pairs:
                # The start model is a prior worth `strength` pairs: a level no pair shows keeps
                # a probability, and a field few pairs have stays near the start.
                seen = sum(counts_k)
                values = [
                    max((c + strength * b) / (seen + strength), 1e-6)
                    for c, b in zip(counts_k, base, strict=True)
                ]
                norm = sum(values)
                new = [v / norm for v in values]
                change = max(change, *(abs(x - y) for x, y in zip(new, prob[f], strict=True)))
                prob[f] = new
        if change < 1e-6:
            break
    return Model(
        m={f: tuple(m[f]) for f in FIELDS},
        u={f: tuple(u[f]) for f in FIELDS},
        duplicate_share=share,
        source="estimated" if update_m else "estimated u, default m",
    )


# Comparisons that identify a customer: agreeing on them must count for a duplicate and
# disagreeing against. An estimate that says otherwise has modelled something else.
_IDENTIFYING = (NAME, GIVEN, SURNAME, PHONE, EMAIL, GSTIN)


def plausible(model: Model, observed: Sequence[int], *, minimum: int = 100) -> bool:
    """Whether every identifying comparison seen in `minimum` pairs points the right way."""
    for k in _IDENTIFYING:
        weights = model.weights[k]
        if observed[k] >= minimum and not weights[-1] < 0 < max(weights[:-1]):
            return False
    return True


def estimate(
    counts: dict[int, int],
    start: Model | None = None,
    *,
    iterations: int = 200,
    strength: float = 20.0,
) -> Model:
    """m, u and the duplicate share by expectation-maximisation over the candidate pairs.

    `counts` maps each pattern of levels (`encode`) to how many pairs show it. EM can settle
    on the wrong grouping when true duplicates are rare among the candidates: seen on the demo
    data, where pairs at one address outnumber duplicates 100 to 1 and EM "finds" that
    agreeing on the address makes a duplicate and agreeing on the name does not. Such an
    estimate is not `plausible`; the scan then keeps the default m (how duplicates differ,
    from the development set) and estimates only u and the share (how unrelated customers
    coincide, which is this database's own).
    """
    start = start or DEFAULT_MODEL
    patterns = [(decode(code), n) for code, n in counts.items()]
    if not patterns:
        return start
    observed = [0] * len(FIELDS)
    for levels, n in patterns:
        for k, level in enumerate(levels):
            if level != NULL:
                observed[k] += n
    model = _em(patterns, start, update_m=True, iterations=iterations, strength=strength)
    if plausible(model, observed):
        return model
    return _em(patterns, start, update_m=False, iterations=iterations, strength=strength)


def _logit(probability: float) -> float:
    return math.log2(probability / (1 - probability))


class PairScorer:
    """Scores the candidate pairs of one scan: levels first, then EM, then the weights.

    `add` compares a pair and keeps only its pattern code (a few bytes a pair); `fit` estimates
    the model from the patterns' counts; `matches` turns each pair's pattern into its weight
    (plus the names' term-frequency adjustment) and explains only the likely duplicates.
    """

    def __init__(self, records: Sequence[MatchRecord], start: Model = DEFAULT_MODEL) -> None:
        self.records = records
        self.rarity = Rarity(records)
        self.model = start
        self._left = array("i")
        self._right = array("i")
        self._codes = array("q")
        self.counts: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def add(self, i: int, j: int) -> None:
        records = self.records
        code = compare_code(records[i], records[j])
        self._left.append(i)
        self._right.append(j)
        self._codes.append(code)
        counts = self.counts
        counts[code] = counts.get(code, 0) + 1

    def fit(self, **options: Any) -> Model:
        self.model = estimate(self.counts, self.model, **options)
        return self.model

    def log_odds(self) -> Iterator[tuple[int, int, float]]:
        """Every candidate pair with its log2 odds of being one customer (weight + prior)."""
        model, rarity, records = self.model, self.rarity, self.records
        base = {code: model.code_weight(code) + model.prior for code in self.counts}
        for i, j, code in zip(self._left, self._right, self._codes, strict=True):
            levels = decode(code)
            yield i, j, base[code] + rarity.adjustment(records[i], records[j], levels)

    def pair_log_odds(self, i: int, j: int) -> float:
        """The log2 odds that records i and j are one customer, whether or not they were a
        candidate pair (compared now, with the fitted model and the names' rarity)."""
        a, b = self.records[i], self.records[j]
        code = compare_code(a, b)
        model = self.model
        return model.code_weight(code) + model.prior + self.rarity.adjustment(a, b, decode(code))

    def groups(
        self,
        pairs: Iterable[tuple[int, int, float]],
        *,
        probability: float | None = None,
        contradiction: float | None = None,
    ) -> list[list[int]]:
        """The likely pairs (i, j, probability) as the groups an admin would merge.

        Strongest pairs first; two groups join only when their members are, on average (of
        the log odds of every pair across the two), at least `probability` one customer
        (default GROUP_PROBABILITY), and no pair across them is below `contradiction`
        (default CONTRADICTION_PROBABILITY: e.g. two clearly different names and addresses), and
        none `contradicts` another (two valid GSTINs that differ). A chain A~B~C where A and C
        are clearly two customers is not one group.
        """
        mean_needed = _logit(GROUP_PROBABILITY if probability is None else probability)
        each_needed = _logit(CONTRADICTION_PROBABILITY if contradiction is None else contradiction)

        def accept(one: list[str], other: list[str]) -> bool:
            records = self.records
            pairs = [(int(x), int(y)) for x in one for y in other]
            if any(contradicts(records[x], records[y]) for x, y in pairs):
                return False
            odds = [self.pair_log_odds(x, y) for x, y in pairs]
            return min(odds) >= each_needed and sum(odds) / len(odds) >= mean_needed

        found = checked_groups(((str(i), str(j), p) for i, j, p in pairs), accept)
        return [[int(x) for x in group] for group in found]

    def matches(self, probability: float | None = None) -> Iterator[tuple[int, int, Score]]:
        """Every likely duplicate pair (indexes into `records`), with its explained score.

        Likely: probability at least `probability` (default MATCH_PROBABILITY).
        """
        model, rarity, records = self.model, self.rarity, self.records
        threshold = MATCH_PROBABILITY if probability is None else probability
        needed = math.log2(threshold / (1 - threshold)) - model.prior
        bound = rarity.most
        base = {code: model.code_weight(code) for code in self.counts}
        for i, j, code in zip(self._left, self._right, self._codes, strict=True):
            weight = base[code]
            if weight + bound < needed:
                continue  # even the rarest names could not make it likely
            a, b = records[i], records[j]
            levels = decode(code)
            weight += rarity.adjustment(a, b, levels)
            if weight >= needed:
                yield i, j, explain(a, b, model, rarity, levels)
