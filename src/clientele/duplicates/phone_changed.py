"""The scenario the duplicates queue exists for, scored the way an admin merges.

A duplicate is created because the caller gave another number: its phone differs from the
customer's (the old number sometimes kept as the secondary), and fields the API refused (a
malformed e-mail, a GSTIN whose checksum fails, a pincode of the wrong length) are missing.
`phone_changed` turns a data set into that scenario (Febrl records, which have no phone, get
one each). `group_pairs` scores what an admin would merge: every pair inside a connected group
of likely pairs, not only the pairs scored directly. With `baseline="splink"` the same records
go through Splink 5 (`baseline.splink_pairs`) in the same run.
"""

import dataclasses
import random
import time
from collections.abc import Callable, Iterable
from itertools import combinations

from clientele.duplicates.evaluation import (
    Metrics,
    _true_pairs,
    febrl_dataset,
    fitted_scorer,
    synthetic_dataset,
)
from clientele.duplicates.matching import MatchRecord, connected_groups


def phone_changed(
    records: list[MatchRecord], entity: list[str], *, seed: int = 3
) -> list[MatchRecord]:
    """The records with every duplicate (not the first record of its entity) on a new number
    (the old one kept as secondary in 30 %), its e-mail missing in half, its GSTIN in half and
    its pincode in a third; a record without a phone gets a number of its own first."""
    rng = random.Random(f"phone-changed:{seed}")
    used: set[str] = {p for r in records for p in r.phones}

    def fresh() -> str:
        while True:
            number = f"+919{rng.randrange(10**9):09d}"
            if number not in used:
                used.add(number)
                return number

    first: dict[str, MatchRecord] = {}
    out = []
    for record, key in zip(records, entity, strict=True):
        if not record.phones:
            record = dataclasses.replace(record, phones=frozenset({fresh()}))
        if key not in first:
            first[key] = record
            out.append(record)
            continue
        phones = {fresh()}
        if rng.random() < 0.3:
            phones |= set(first[key].phones)
        out.append(
            dataclasses.replace(
                record,
                phones=frozenset(phones),
                email=None if rng.random() < 0.5 else record.email,
                gstin=None if rng.random() < 0.5 else record.gstin,
                pincode=None if rng.random() < 1 / 3 else record.pincode,
            )
        )
    return out


def group_pairs(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every pair inside the connected groups the likely pairs make (what a merge joins)."""
    groups = connected_groups((str(i), str(j)) for i, j in pairs)
    return {
        (min(a, b), max(a, b))
        for group in groups
        for a, b in combinations((int(x) for x in group), 2)
    }


def _metrics(
    name: str, records: list[MatchRecord], entity: list[str], pairs: set[tuple[int, int]],
    candidates: int, started: float,
) -> Metrics:  # fmt: skip
    grouped = group_pairs(pairs)
    return Metrics(
        name=name,
        records=len(records),
        true_pairs=_true_pairs(entity),
        candidate_pairs=candidates,
        predicted_pairs=len(grouped),
        true_positives=sum(entity[i] == entity[j] for i, j in grouped),
        seconds=time.perf_counter() - started,
    )


def run(
    *,
    synthetic_n: int = 20_000,
    seed: int = 7,
    baseline: str | None = None,
    report: Callable[[Metrics], None] | None = None,
) -> list[Metrics]:
    """The reported sets (synthetic seed 7, Febrl 1-3) in the phone-changed scenario, scored
    by group pairs: ours, then (with `baseline="splink"`) Splink on the same records."""
    loaders: list[tuple[str, Callable[[], tuple[list[MatchRecord], list[str]]]]] = [
        (f"synthetic (seed {seed})", lambda: synthetic_dataset(synthetic_n, seed=seed)),
        ("febrl dataset1", lambda: febrl_dataset("dataset1")),
        ("febrl dataset2", lambda: febrl_dataset("dataset2")),
        ("febrl dataset3", lambda: febrl_dataset("dataset3")),
    ]  # fmt: skip
    results = []
    for label, load in loaders:
        raw, entity = load()
        records = phone_changed(raw, entity)
        started = time.perf_counter()
        scorer = fitted_scorer(records)
        ours = {(i, j) for i, j, _ in scorer.matches()}
        found = [
            _metrics(f"{label}, phone changed, groups", records, entity, ours, len(scorer), started)
        ]
        if baseline == "splink":
            from clientele.duplicates.baseline import splink_pairs

            started = time.perf_counter()
            theirs = splink_pairs(records)
            found.append(
                _metrics(
                    f"{label}, phone changed, groups: Splink", records, entity, theirs, 0, started
                )
            )
        for metrics in found:
            results.append(metrics)
            if report is not None:
                report(metrics)
    return results
