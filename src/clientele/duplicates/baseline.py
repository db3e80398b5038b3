"""The best open-source linker on the same records: Splink 5 (DuckDB), for `duplicates
evaluate --baseline splink`, so the margin between it and our model is visible every run.

Splink is given the same normalized records the scan compares (`MatchRecord`: folded name,
E.164 phones, e-mail, GSTIN, city, pincode, address), a comparison per field as its own docs
suggest (Jaro-Winkler levels for the name and address, exact levels for the identifiers), the
blocking the scan uses in spirit (phone, e-mail, GSTIN, name in the city, pincode), u by random
sampling, m by EM, and the threshold 0.5 its tutorials use. Splink 5 raises on an m
probability of 0 (a level never seen among matches, common for an identifier that never
disagrees in a clean set): each m is floored at 1e-4 before predicting.
"""

from collections.abc import Sequence
from typing import Any

from clientele.duplicates.matching import MatchRecord

M_FLOOR = 1e-4


def _rows(records: Sequence[MatchRecord]) -> list[dict[str, Any]]:
    rows = []
    for i, r in enumerate(records):
        phones = sorted(r.phones)
        rows.append(
            {
                "unique_id": i,
                "name": r.key.folded or None,
                "core": r.key.core or None,
                "phone": phones[0] if phones else None,
                "phone2": phones[1] if len(phones) > 1 else None,
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


def splink_pairs(records: Sequence[MatchRecord], *, threshold: float = 0.5) -> set[tuple[int, int]]:
    """Index pairs Splink predicts to be the same customer (probability >= `threshold`).

    Raises RuntimeError when Splink is not installed (`pip install 'clientele[eval]'`).
    """
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
        block_on("email"),
        block_on("gstin"),
        block_on("city", "substr(core, 1, 3)"),
        block_on("pincode", "substr(core, 1, 2)"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("core").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone"),
            cl.ExactMatch("email"),
            cl.ExactMatch("gstin"),
            cl.ExactMatch("city"),
            cl.ExactMatch("pincode"),
            cl.JaroWinklerAtThresholds("address", [0.95, 0.85]),
            cl.ExactMatch("kind"),
        ],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        probability_two_random_records_match=_prior(records),
    )
    linker = Linker(frame, settings, log_level="ERROR")
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("substr(core, 1, 3)", "city"), block_on("pincode"), block_on("phone")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except EMTrainingException:
            continue  # no pair agrees on it (Febrl has no phones): train on the others
    trained = _floor_m(linker.misc.save_model_to_json())
    linker = Linker(frame, trained, log_level="ERROR")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    # Untyped with Splink installed, Any without it (the eval extra): either way no error.
    table = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call, unused-ignore]
    return {
        (min(int(a), int(b)), max(int(a), int(b)))
        for a, b in zip(table["unique_id_l"], table["unique_id_r"], strict=True)
    }
