"""The search quality figure: what agents type for a customer, generated from the data.

Each query starts from a real customer, drawn uniformly, and damages its name the ways agents
do: a typo in a distinctive word, a dropped or swapped word, an abbreviation (Hosp., N. Home,
Diag, Ctr), a transliteration (Shri/Sri/Shree, Lakshmi/Laxmi, Venkateshwara/Venkateswara), a
name cut short ("sunrise diag"); a third carry the customer's city, type or status as filters.

What "the intended customer" means, since realistic names repeat ("City Hospital" x 2,225 at
a million):

* A hit is a customer with the intended customer's folded name, passing the query's filters,
  in the top 5. Customers with the same name cannot be told apart by a name search; the strict
  "this very id" rate is reported next to it.
* The query must name the customer: a dropped word or a name cut short can leave words that
  fit many names equally ("Dr. Anil" for "Dr. Anil Sharma"). When more than 5 distinct names
  with a customer passing the filters hold every meant word, the agent would have to say more:
  the query gets the customer's city as a filter, and if it still fits more than 5 names it is
  left out (both counted in the figure).
"""

import asyncio
import random
import re
import time
from typing import Any

import psycopg

from clientele.config import load_settings
from clientele.customers import repository, service
from clientele.customers.domain import CustomerFilters, CustomerStatus, CustomerType
from clientele.customers.search import parse_query
from clientele.db import create_engine
from clientele.names.fold import place_keys
from clientele.uow import EngineUnitOfWork

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


KINDS = (
    "typo", "typo", "drop", "swap", "abbrev", "translit", "partial", "case", "initials", "glued",
    "indic", "hindi",
)  # fmt: skip
_ACRONYM = re.compile(r"\b[A-Z]{2,4}\b")
_GLUABLE = ("Hospital", "Nursing", "Diagnostics", "Diagnostic", "Clinic", "Centre", "Center")


def _initials(rng: random.Random, name: str) -> str | None:
    """An acronym of the name typed with dots or spaces ("D.Y.", "R M L"); None without one."""
    found = _ACRONYM.search(name)
    if found is None:
        return None
    letters = list(found.group())
    typed = rng.choice((".".join(letters) + ".", ".".join(letters), " ".join(letters)))
    return name[: found.start()] + typed + name[found.end() :]


def _glued(rng: random.Random, name: str) -> str | None:
    """An acronym glued to the generic word after it ("KEMHOSPITAL", "PGINursing"), or a word
    glued in camel case ("SunriseHospital"); None when the name has neither."""
    words = name.split()
    for i in range(len(words) - 1):
        if words[i + 1] in _GLUABLE and words[i].isalpha():
            if _ACRONYM.fullmatch(words[i]):
                glued = words[i] + rng.choice((words[i + 1], words[i + 1].upper()))
            elif words[i][0].isupper() and words[i][1:].islower():
                glued = words[i] + words[i + 1]
            else:
                continue
            return " ".join([*words[:i], glued, *words[i + 2 :]])
    return None


SOUNDS = (
    ("ch", "\0"), ("ci", "si"), ("ce", "se"), ("c", "k"), ("\0", "ch"), ("x", "ks"),
    ("w", "v"), ("q", "k"), ("f", "ph"), ("z", "j"),
)  # fmt: skip


def _indic(name: str) -> str | None:
    """The name written letter by letter in Devanagari (ITRANS), as a clerk's system may hold it
    or an agent's phone keyboard types it; None without indic-transliteration (a dev extra)."""
    try:
        from indic_transliteration import sanscript  # noqa: PLC0415 - optional (the dev extra)
    except ImportError:
        return None
    latin = re.sub(r"[^a-z ]", "", name.lower())
    # English spellings read as they sound, for ITRANS: "clinic" is k-l-i-n-i-k.
    for old, new in SOUNDS:
        latin = latin.replace(old, new)
    return str(sanscript.transliterate(latin, sanscript.ITRANS, sanscript.DEVANAGARI))


# How Hindi writes the English words of a business name, several spellings each, written for
# this figure apart from the fold's own list (`names.vocabulary.INDIC_WORDS`), so the figure
# also counts spellings the fold was not given.
HINDI: dict[str, tuple[str, ...]] = {
    "dr": ("डॉ.", "डॉ", "डा.", "डॉक्टर"), "hospital": ("हॉस्पिटल", "अस्पताल", "हास्पिटल"),
    "hospitals": ("हॉस्पिटल्स", "हास्पिटल्स"), "clinic": ("क्लिनिक", "क्लीनिक"),
    "centre": ("सेंटर", "सेन्टर"), "center": ("सेंटर", "सेन्टर"), "medical": ("मेडिकल", "मेडीकल"),
    "home": ("होम",), "nursing": ("नर्सिंग", "नरसिंग"), "lab": ("लैब", "लेब"),
    "diagnostics": ("डायग्नोस्टिक्स", "डायग्नॉस्टिक्स", "डायग्नोस्टिक"),
    "diagnostic": ("डायग्नोस्टिक", "डायग्नोसटिक"), "care": ("केयर", "केअर"), "city": ("सिटी",),
    "multispeciality": ("मल्टीस्पेशलिटी", "मल्टी स्पेशलिटी", "मल्टीस्पेशियलिटी"),
    "speciality": ("स्पेशलिटी", "स्पेशिएलिटी"), "super": ("सुपर",), "dental": ("डेंटल", "डेन्टल"),
    "pathology": ("पैथोलॉजी", "पैथोलोजी"), "memorial": ("मेमोरियल", "मेमोरीयल"),
    "heart": ("हार्ट",), "skin": ("स्किन",), "healthcare": ("हेल्थकेयर", "हेल्थ केयर"),
    "imaging": ("इमेजिंग",), "maternity": ("मैटरनिटी", "मेटरनिटी"),
    "polyclinic": ("पॉलीक्लिनिक", "पोलीक्लीनिक"), "ltd": ("लि.", "लिमिटेड"),
    "pvt": ("प्रा.", "प्राइवेट"), "scan": ("स्कैन",), "dialysis": ("डायलिसिस",),
    "family": ("फैमिली", "फेमिली"), "global": ("ग्लोबल",), "systems": ("सिस्टम्स",),
    "agencies": ("एजेंसीज़", "एजेंसीज"), "surgicals": ("सर्जिकल्स",), "women": ("वीमेन", "वूमेन"),
    "child": ("चाइल्ड",), "children": ("चिल्ड्रन", "चिल्ड्रेन"), "ortho": ("ऑर्थो",),
}  # fmt: skip


def _hindi(rng: random.Random, name: str) -> str | None:
    """The name as a Hindi writer spells it: its English words the Hindi way ("सिटी केयर",
    "डॉ."), the others letter by letter; None when no word has a Hindi spelling here."""
    words = re.sub("'s\\b", "", name.replace(",", "")).split()
    if not any(w.lower().rstrip(".") in HINDI for w in words):
        return None
    out = []
    for word in words:
        spellings = HINDI.get(word.lower().rstrip("."))
        out.append(rng.choice(spellings) if spellings else (_indic(word) or word))
    return " ".join(w for w in out if w.strip())


def damage(rng: random.Random, name: str) -> tuple[str, str, str]:
    """One way of mistyping `name`: (typed, kind, meant).

    `meant` is what the agent meant to type: the name itself, or what is left of it after a
    dropped word or a name cut short (the last word of a partial query is a prefix).
    """
    words = name.replace(",", "").split()
    rare = [i for i, w in enumerate(words) if w.lower() not in GENERIC and len(w) > 3]
    kind = rng.choice(KINDS)
    meant = " ".join(words)
    if kind in ("initials", "glued", "indic", "hindi"):
        if kind == "initials":
            typed = _initials(rng, meant)
        elif kind == "glued":
            typed = _glued(rng, meant)
        elif kind == "hindi":
            typed = _hindi(rng, meant)
        else:
            typed = _indic(meant)
        if typed is not None:
            return typed, kind, meant
        kind = "typo"
    if kind == "typo" and rare:
        i = rng.choice(rare)
        words[i] = _typo(rng, words[i])
    elif kind == "drop" and len(words) >= 3:
        del words[rng.choice([i for i in range(len(words)) if i not in rare[:1]] or [0])]
        meant = " ".join(words)
    elif kind == "swap" and len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif kind == "abbrev":
        for full, short in rng.sample(ABBREVIATE, len(ABBREVIATE)):
            if full in meant:
                return meant.replace(full, short, 1), kind, meant
        return meant.lower(), "case", meant
    elif kind == "translit":
        for full, other in rng.sample(TRANSLITERATE, len(TRANSLITERATE)):
            if full in meant:
                return meant.replace(full, other, 1), kind, meant
        if rare:
            i = rng.choice(rare)
            words[i] = _typo(rng, words[i])
        kind = "typo"
    elif kind == "partial" and len(words) >= 2:
        words = words[: max(2, len(words) - 1)]
        if len(words[-1]) > 5:
            words[-1] = words[-1][:4]
        meant = " ".join(words)
    else:
        return name.lower() if rng.random() < 0.5 else name.upper(), "case", meant
    return " ".join(words), kind, meant


# The distinct folded names that hold every word of `meant` (the last one as a prefix when the
# query was cut short) and have a customer passing the filters: the names the query fits
# exactly. More than 5 of them and no search can be expected to put the intended one in the
# top 5: the agent would have to say more.
_FITTING = """
WITH meant AS (
    SELECT string_to_array(clientele_search_normalize(%(meant)s), ' ') AS w
), fitting AS (
    SELECT n.search_name
    FROM search_names AS n, meant
    WHERE n.terms @> (CASE WHEN %(prefix)s THEN w[1:cardinality(w) - 1] ELSE w END)
      AND (NOT %(prefix)s OR EXISTS (
          SELECT FROM unnest(n.terms) AS t WHERE t LIKE w[cardinality(w)] || '%%'))
    LIMIT 2000
)
SELECT count(*) FROM fitting AS f
WHERE EXISTS (
    SELECT FROM customers AS c
    WHERE clientele_search_normalize(c.name) = f.search_name
      AND (%(city)s::text IS NULL OR lower(c.city) = lower(%(city)s))
      AND (%(type)s::text IS NULL OR c.customer_type = %(type)s)
      AND (%(status)s::text IS NULL OR c.status = %(status)s))
"""


def query_set(url: str, size: int, seed: int = 5) -> dict[str, Any]:
    """`size` damaged queries from random customers, each one that names its customer.

    Customers are drawn uniformly (a common name is searched as often as it occurs), by a hash
    of their id: the same customers on every run, however updates have moved rows between pages
    (a page sample, `TABLESAMPLE SYSTEM`, drew a different set after each bench's PATCHes). A third
    of the queries carry filters (city; city and type; type and status). A query that fits more
    than 5 distinct names under its filters (`_FITTING`: "Dr. Anil", "Sunrise Hospital") gets
    the customer's city as a filter, as the agent would ask for it; if it still fits more than
    5, it is left out. Returns {"queries": [...], "city_added": n, "ambiguous_dropped": n}.
    """
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, name, city, customer_type, status, clientele_search_normalize(name)"
            " FROM customers WHERE name !~ 'Bench' ORDER BY md5(id::text || %s) LIMIT %s",
            (str(seed), size * 4),
        ).fetchall()
        rng.shuffle(rows)
        queries: list[dict[str, Any]] = []
        dropped = city_added = 0
        for customer_id, name, city, customer_type, status, folded in rows:
            if len(queries) >= size:
                break
            text, kind, meant = damage(rng, name)
            cut = kind == "partial"  # the last word meant is a prefix, place or not
            roll = rng.random()
            filters: dict[str, str] = {}
            place = rng.random() < 0.1 and bool(city)
            if place:
                # The place typed with the name instead of a filter: "... (Latur)".
                text = rng.choice(("{} ({})", "{} - {}", "{}, {}")).format(text, city)
                kind, roll = "place", 1.0
            if roll < 0.2:
                filters = {"city": city}
            elif roll < 0.3:
                filters = {"city": city, "customer_type": customer_type}
            elif roll < 0.36:
                filters = {"customer_type": customer_type, "status": status}

            def fitting(f: dict[str, str], meant: str = meant, cut: bool = cut) -> int:
                params = {
                    "meant": meant, "prefix": cut, "city": f.get("city"),
                    "type": f.get("customer_type"), "status": f.get("status"),
                }  # fmt: skip
                row = conn.execute(_FITTING, params).fetchone()
                return 0 if row is None else int(row[0])

            if fitting({"city": city} if place else filters) > 5:
                if place:
                    dropped += 1
                    continue
                filters = {**filters, "city": city}
                city_added += 1
                if fitting(filters) > 5:
                    dropped += 1
                    continue
            queries.append(
                {
                    "q": text,
                    "kind": kind,
                    "filters": filters,
                    "id": customer_id,
                    "folded": folded,
                    "city": city,
                }
            )
    return {"queries": queries, "city_added": city_added, "ambiguous_dropped": dropped}


def _percentiles(seconds: list[float]) -> dict[str, float]:
    """p50 and p99 in ms (with 40-60 queries of a kind, p99 is about its slowest)."""
    ordered = sorted(seconds)
    return {
        "n": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


def measure(url: str, query_set: dict[str, Any]) -> dict[str, Any]:
    """Top-5 hit rates (by name, and by id) and latency of the search use case in-process."""

    fold = re.compile(r"\s+")
    queries: list[dict[str, Any]] = query_set["queries"]

    async def go() -> dict[str, Any]:
        engine = create_engine(url, load_settings())
        hits = strict = 0
        misses: list[str] = []
        by_kind: dict[str, list[int]] = {}
        times = []
        slowest: list[tuple[float, str, dict[str, str]]] = []
        sql_times: list[float] = []
        sql_by_kind: dict[str, list[float]] = {}
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
                if found and found[0].matched_on == "name":
                    # The name search statement alone, on an open connection.
                    started = time.perf_counter()
                    parsed = parse_query(q["q"])
                    await repository.search_by_name(
                        conn,
                        q["q"].strip(),
                        filters=filters,
                        limit=5,
                        place=place_keys(parsed.place, parsed.name_part or "")
                        if parsed.place
                        else None,
                    )
                    sql_times.append(time.perf_counter() - started)
                    sql_by_kind.setdefault(q["kind"], []).append(sql_times[-1])
                    await conn.rollback()
                slowest.append((times[-1], q["q"], f))
                ids = [h.customer.id for h in found]
                missing = [n for n in (h.customer.name for h in found) if n not in names]
                if missing:
                    result = await conn.exec_driver_sql(
                        "SELECT n, clientele_search_normalize(n) FROM unnest(%(n)s::text[]) n",
                        {"n": missing},
                    )
                    names.update(dict(result.all()))  # type: ignore[arg-type]
                ok = any(
                    names[h.customer.name] == q["folded"]
                    # A place typed with the name: the customer of that place.
                    and (q["kind"] != "place" or h.customer.city == q["city"])
                    for h in found
                )
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
            "city_added": query_set["city_added"],
            "ambiguous_dropped": query_set["ambiguous_dropped"],
            "top5_by_name": round(hits / len(queries), 4),
            "top5_by_id": round(strict / len(queries), 4),
            "by_kind": {k: round(v[0] / v[1], 3) for k, v in sorted(by_kind.items())},
            "service_p50_ms": round(times[len(times) // 2] * 1000, 2),
            "service_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 2),
            "statement_p50_ms": round(sorted(sql_times)[len(sql_times) // 2] * 1000, 2),
            "statement_p99_ms": round(sorted(sql_times)[int(len(sql_times) * 0.99)] * 1000, 2),
            "statement_by_kind": {k: _percentiles(v) for k, v in sorted(sql_by_kind.items())},
            "misses": [fold.sub(" ", m) for m in misses],
            "slowest": [
                f"{t * 1000:.1f} ms {q!r} {f}" for t, q, f in sorted(slowest, reverse=True)[:8]
            ],
        }

    return asyncio.run(go())


if __name__ == "__main__":  # python -m clientele.bench.quality URL [SIZE]
    import json
    import sys

    figure = measure(
        sys.argv[1], query_set(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 600)
    )
    print(json.dumps(figure, indent=2))
