"""Scoring a ticket -> customer grouping against the generator's truth."""

import uuid
from collections import Counter
from typing import Any


def pairwise(
    predicted: dict[uuid.UUID, Any], truth: dict[uuid.UUID, int | None]
) -> tuple[float, float]:
    """Pairwise precision and recall of a ticket grouping (tickets with no truth left out)."""
    known = [t for t, c in truth.items() if c is not None]
    both = Counter((predicted[t], truth[t]) for t in known)
    pred = Counter(predicted[t] for t in known)
    true = Counter(truth[t] for t in known)

    def pairs(counter: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    tp = pairs(both)
    return (tp / pairs(pred) if pairs(pred) else 1.0, tp / pairs(true) if pairs(true) else 1.0)
