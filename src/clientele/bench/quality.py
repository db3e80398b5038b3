"""The search quality figure: what agents type for a customer, generated from the data.

Each query starts from a real customer and damages its name the ways agents do: a typo in a
distinctive word, a dropped or swapped word, an abbreviation (Hosp., N. Home, Diag, Ctr), a
transliteration (Shri/Sri/Shree, Lakshmi/Laxmi, Venkateshwara/Venkateswara), a partial name;
some carry the customer's city, type or status as filters. A query succeeds when a customer
with the intended customer's folded name is in the top 5: in realistic data many customers
share a name exactly ("City Hospital" x 2,225 at a million), and no name search can tell those
apart; the strict "this very id" rate is reported next to it.
"""

import asyncio
import random
import re
import time
from typing import Any

import psycopg

GENERIC = {
    "hospital", "clinic", "centre", "diagnostics", "lab", "nursing", "home", "dr.", "pvt", "ltd",
    "multispeciality", "speciality", "super", "medical", "care", "&", "-",
}  # fmt: skip
ABBREVIATE = (
    ("Hospital", "Hosp."), ("Nursing Home", "N. Home"), ("Diagnostics", "Diag"),
    ("Centre", "Ctr"), ("Diagnostic", "Diag."), ("Private", "Pvt"),
)  # fmt: skip
TRANSLITERATE = (
    ("Shri ", "Sri "), ("Sri ", "Shree "), ("Shree ", "Shri "), ("Lakshmi", "Laxmi"),
    ("Venkateshwara", "Venkateswara"), ("Jeevan", "Jivan"), ("Aarogya", "Arogya"),
    ("Mukherjee", "Mukherji"), ("Chatterjee", "Chaterji"), ("Banerjee", "Banerji"),
    ("Dhanvantari", "Dhanwantari"), ("Sharma", "Sarma"), ("Krishna", "Krisna"),
)  # fmt: skip


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # dropped letter
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
    if kind == 2:
        return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]  # wrong letter
    return word[:i] + word[i] + word[i:]  # doubled letter


def damage(rng: random.Random, name: str) -> tuple[str, str]:
    """One way of mistyping `name`, and its kind."""
    words = name.replace(",", "").split()
    rare = [i for i, w in enumerate(words) if w.lower() not in GENERIC and len(w) > 3]
    kind = rng.choice(("typo", "typo", "drop", "swap", "abbrev", "translit", "partial", "case"))
    if kind == "typo" and rare:
        i = rng.choice(rare)
        words[i] = _typo(rng, words[i])
    elif kind == "drop" and len(words) >= 3:
        del words[rng.choice([i for i in range(len(words)) if i not in rare[:1]] or [0])]
    elif kind == "swap" and len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == "abbrev":
        text = " ".join(words)
        for full, short in rng.sample(ABBREVIATE, len(ABBREVIATE)):
            if full in text:
                return text.replace(full, short, 1), kind
        return text.lower(), "case"
    elif kind == "translit":
        text = " ".join(words)
        for full, other in rng.sample(TRANSLITERATE, len(TRANSLITERATE)):
            if full in text:
                return text.replace(full, other, 1), kind
        if rare:
            i = rng.choice(rare)
            words[i] = _typo(rng, words[i])
        kind = "typo"
    elif kind == "partial" and len(words) >= 2:
        words = words[: max(2, len(words) - 1)]
        if len(words[-1]) > 5:
            words[-1] = words[-1][:4]
    else:
        return name.lower() if rng.random() < 0.5 else name.upper(), "case"
    return " ".join(words), kind


def query_set(url: str, size: int, seed: int = 5) -> list[dict[str, Any]]:
    """`size` damaged queries from random customers, a third of them with filters."""
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, name, city, customer_type, status, clientele_search_normalize(name)"
            " FROM customers TABLESAMPLE SYSTEM (10) WHERE name !~ 'Bench' LIMIT %s",
            (size * 4,),
        ).fetchall()
    rng.shuffle(rows)
    queries = []
    for customer_id, name, city, customer_type, status, folded in rows[:size]:
        text, kind = damage(rng, name)
        roll = rng.random()
        filters: dict[str, str] = {}
        if roll < 0.2:
            filters = {"city": city}
        elif roll < 0.3:
            filters = {"city": city, "customer_type": customer_type}
        elif roll < 0.36:
            filters = {"customer_type": customer_type, "status": status}
        queries.append(
            {"q": text, "kind": kind, "filters": filters, "id": customer_id, "folded": folded}
        )
    return queries


def measure(url: str, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """Top-5 hit rates (by name, and by id) and latency of the search use case in-process."""
    from clientele.config import load_settings
    from clientele.customers import service
    from clientele.customers.domain import CustomerStatus, CustomerType
    from clientele.customers.repository import CustomerFilters
    from clientele.db import create_engine
    from clientele.uow import EngineUnitOfWork

    fold = re.compile(r"\s+")

    async def go() -> dict[str, Any]:
        engine = create_engine(url, load_settings())
        hits = strict = 0
        misses: list[str] = []
        by_kind: dict[str, list[int]] = {}
        times = []
        async with engine.connect() as conn:
            names: dict[str, str] = {}
            for q in queries:
                f = q["filters"]
                filters = CustomerFilters(
                    city=f.get("city"),
                    customer_type=CustomerType(f["customer_type"])
                    if "customer_type" in f
                    else None,
                    status=CustomerStatus(f["status"]) if "status" in f else None,
                )
                started = time.perf_counter()
                found = await service.search_customers(
                    EngineUnitOfWork(engine), text=q["q"], filters=filters, limit=5
                )
                times.append(time.perf_counter() - started)
                ids = [h.customer.id for h in found]
                missing = [n for n in (h.customer.name for h in found) if n not in names]
                if missing:
                    result = await conn.exec_driver_sql(
                        "SELECT n, clientele_search_normalize(n) FROM unnest(%(n)s::text[]) n",
                        {"n": missing},
                    )
                    names.update(dict(result.all()))  # type: ignore[arg-type]
                ok = any(names[h.customer.name] == q["folded"] for h in found)
                hits += ok
                strict += q["id"] in ids
                by_kind.setdefault(q["kind"], [0, 0])
                by_kind[q["kind"]][0] += ok
                by_kind[q["kind"]][1] += 1
                if not ok and len(misses) < 15:
                    misses.append(f"{q['q']!r} {f} -> {[h.customer.name for h in found][:3]}")
        await engine.dispose()
        times.sort()
        return {
            "queries": len(queries),
            "top5_by_name": round(hits / len(queries), 4),
            "top5_by_id": round(strict / len(queries), 4),
            "by_kind": {k: round(v[0] / v[1], 3) for k, v in sorted(by_kind.items())},
            "service_p50_ms": round(times[len(times) // 2] * 1000, 2),
            "service_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 2),
            "misses": [fold.sub(" ", m) for m in misses],
        }

    return asyncio.run(go())
