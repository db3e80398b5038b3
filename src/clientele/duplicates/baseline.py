"""The best open-source linker on the same records: Splink 5 (DuckDB), for `duplicates
evaluate --baseline splink`, so the margin between it and our model is visible every run.

Splink is given the same normalized records the scan compares (`MatchRecord`: folded name,
E.164 phones, e-mail, GSTIN, city, pincode, address) and configured the way its own docs and
examples do, without anything learned from the truth: a comparison per field (NameComparison
with term-frequency adjustment on a business's distinctive words, ForenameSurnameComparison on
a person's given name and surname, any phone in common, exact e-mail, GSTIN, city, pincode,
house number and kind, Jaro-Winkler levels on the street), blocking rules for predictions (each
phone, the old phone against the new, e-mail, GSTIN, name prefix in the city and pincode, and
the person rules of Splink's Febrl examples without date of birth), u by random sampling, m by
EM on four blocking rules (a business's name prefix in its city, a person's given name and
surname, pincode and house number, e-mail), the prior from deterministic rules (`_prior`),
and the threshold chosen like ours, on the development sets only (`SPLINK_THRESHOLD`).

Three things Splink 5 does that would make the baseline look worse than it is are worked
around: it raises on an m probability of 0 (each m is floored at 1e-4 before predicting); its
EM raises when a level's m reaches 0 inside a session (that session is skipped; the others
train those parameters); and each EM session overwrites the global prior with its own blocked
share of matches (0.99 after a session blocked on given name and surname, which made almost
every pair a match): the prior is set back after training.
"""

from collections.abc import Sequence
from typing import Any

from clientele.duplicates.matching import MatchRecord

M_FLOOR = 1e-4
# The match probability from which Splink's pair is a match: the grid point with the best mean
# group-pair F1 on the development sets only (synthetic seed 1, Febrl 4), phone-changed
# scenario, as ours (`phone_changed.choose_splink_threshold`).
SPLINK_THRESHOLD = 0.99


def _rows(records: Sequence[MatchRecord]) -> list[dict[str, Any]]:
    rows = []
    for i, r in enumerate(records):
        phones = sorted(r.phones)
        person = r.person
        rows.append(
            {
                "unique_id": i,
                "name": r.key.folded or None,
                # A business's distinctive words; a person's name is given name + surname.
                "core": (r.key.core or None) if not person else None,
                "given": person[0] if len(person) > 1 else None,
                "surname": person[-1] if person else None,
                "phones": phones,
                "phone": phones[0] if phones else None,
                "phone2": phones[1] if len(phones) > 1 else None,
                "street_number": r.numbers[0] if r.numbers else None,
                "street": r.street,
                "email": r.email,
                "gstin": r.gstin,
                "city": r.city,
                "pincode": r.pincode,
                "address": r.address,
                "kind": r.key.generic or None,
            }
        )
    return rows


def _floor_m(settings: dict[str, Any]) -> dict[str, Any]:
    for comparison in settings.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            m = level.get("m_probability")
            if m is not None and m < M_FLOOR:
                level["m_probability"] = M_FLOOR
    return settings


def _prior(records: Sequence[MatchRecord], recall: float = 0.7) -> float:
    """The share of duplicates among all pairs, from pairs a deterministic rule calls the same
    (a shared phone, e-mail or GSTIN; the same folded name and pincode), as Splink's
    `estimate_probability_two_random_records_match` does; computed here because Splink's
    estimate is 0 on a set without identifiers (Febrl), and EM then fails on log2(0)."""
    groups: dict[str, int] = {}
    for r in records:
        keys = {f"p{p}" for p in r.phones} | {f"e{r.email}", f"g{r.gstin}"}
        keys.add(f"n{r.key.folded}|{r.pincode}")
        for key in keys:
            if not key.endswith("None") and not key.startswith("n|"):
                groups[key] = groups.get(key, 0) + 1
    agreeing = sum(n * (n - 1) // 2 for n in groups.values())
    total = len(records) * (len(records) - 1) // 2 or 1
    return min(max(agreeing / recall / total, 1e-7), 0.5)


def splink_pairs(
    records: Sequence[MatchRecord], *, threshold: float = SPLINK_THRESHOLD
) -> set[tuple[int, int]]:
    """Index pairs Splink predicts to be the same customer (probability >= `threshold`).

    Raises RuntimeError when Splink is not installed (`pip install 'clientele[eval]'`).
    """
    return {(i, j) for i, j, p in splink_scores(records, threshold=threshold)}


def splink_scores(
    records: Sequence[MatchRecord], *, threshold: float = 0.01
) -> list[tuple[int, int, float]]:
    """Every pair Splink scores at least `threshold`: (i, j, match probability), i < j."""
    try:
        import pandas as pd  # noqa: PLC0415 - optional (the eval extra)
        import splink.comparison_library as cl  # noqa: PLC0415 - optional (the eval extra)
        from splink import Linker, SettingsCreator, block_on  # noqa: PLC0415 - optional (the eval extra)
        from splink.backends.duckdb import DuckDBAPI  # noqa: PLC0415 - optional (the eval extra)
        from splink.internals.exceptions import EMTrainingException  # noqa: PLC0415 - optional (the eval extra)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("the baseline needs `pip install 'clientele[eval]'` (splink)") from exc

    db_api = DuckDBAPI()
    frame = db_api.register(pd.DataFrame(_rows(records)))
    blocking: list[Any] = [
        block_on("phone"),
        block_on("phone2"),
        "l.phone = r.phone2",
        "l.phone2 = r.phone",
        block_on("email"),
        block_on("gstin"),
        block_on("city", "substr(core, 1, 3)"),
        block_on("pincode", "substr(core, 1, 2)"),
        # Persons (Febrl): the rules of Splink's own Febrl examples, without date of birth.
        block_on("given", "surname"),
        block_on("surname", "city"),
        block_on("given", "city"),
        block_on("pincode", "street_number"),
        block_on("substr(given, 1, 2)", "substr(surname, 1, 2)", "pincode"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("core").configure(term_frequency_adjustments=True),
            cl.ForenameSurnameComparison("given", "surname"),
            cl.ArrayIntersectAtSizes("phones", [1]),
            cl.ExactMatch("email"),
            cl.ExactMatch("gstin"),
            cl.ExactMatch("city"),
            cl.ExactMatch("pincode"),
            cl.ExactMatch("street_number"),
            # The street without its house number (a shared leading "7 " made Jaro-Winkler
            # call "7 Carruthers Street" and "7 Edmondson Street" alike).
            cl.JaroWinklerAtThresholds("street", [0.95, 0.85]),
            cl.ExactMatch("kind"),
        ],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        probability_two_random_records_match=_prior(records),
    )
    linker = Linker(frame, settings, log_level="ERROR")
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    training = (
        block_on("substr(core, 1, 3)", "city"),
        block_on("given", "surname"),
        block_on("pincode", "street_number"),
        block_on("email"),
    )
    for rule in training:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except (EMTrainingException, ValueError):
            # No pair agrees on the rule (Febrl has no phones), or Splink 5's EM drove an m to
            # 0 and refused it: the other rules train those parameters.
            continue
    trained = _floor_m(linker.misc.save_model_to_json())
    # Each EM session re-estimates the share of matches among its blocked pairs and Splink 5
    # keeps the last one as the global prior (0.99 after a `given = given AND surname =
    # surname` session): the prior goes back to the one estimated for all pairs.
    trained["probability_two_random_records_match"] = _prior(records)
    linker = Linker(frame, trained, log_level="ERROR")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    # Untyped with Splink installed, Any without it (the eval extra): either way no error.
    table = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call, unused-ignore]
    return [
        (min(int(a), int(b)), max(int(a), int(b)), float(p))
        for a, b, p in zip(
            table["unique_id_l"], table["unique_id_r"], table["match_probability"], strict=True
        )
    ]
