"""The target shape of the legacy tables, read from revision 0001's SQL (never copied), and the
names of what the transition adds to them.

The CHECK constraints and indexes of `service_tickets`, `equipment` and `organizations` are read
from revision 0001's SQL, so they cannot drift; the tables a legacy database lacks are created
by the revisions themselves (see `migrate.py`).
"""

import importlib
import re

LEGACY_TABLES = ("organizations", "equipment", "service_tickets")
# The new uuid reference beside the old application's `customer_id VARCHAR(32)`; renamed to
# `customer_id` by finalize, once the old column is gone.
TICKET_REF = "customer_ref"


def revision_sql(module: str, name: str = "UPGRADE") -> str:
    """The SQL text a hand-written revision module holds (e.g. `0001_core_schema`)."""
    mod = importlib.import_module(f"clientele.migrations.versions.{module}")
    value = getattr(mod, name)
    if not isinstance(value, str):
        raise TypeError(f"{module}.{name} is not SQL text")
    return value


def split_sql(script: str) -> list[str]:
    """Statements of a SQL script, respecting quotes, dollar quotes and comments."""
    statements: list[str] = []
    buf: list[str] = []
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        if script.startswith("--", i):
            end = script.find("\n", i)
            end = n if end < 0 else end
            i = end
            continue
        if ch == "'":
            end = i + 1
            while end < n:
                if script[end] == "'" and script.startswith("''", end):
                    end += 2
                    continue
                if script[end] == "'":
                    break
                end += 1
            buf.append(script[i : end + 1])
            i = end + 1
            continue
        if ch == "$":
            match = re.match(r"\$[A-Za-z_]*\$", script[i:])
            if match:
                tag = match.group(0)
                end = script.find(tag, i + len(tag))
                end = n if end < 0 else end + len(tag)
                buf.append(script[i:end])
                i = end
                continue
        if ch == ";":
            statement = "".join(buf).strip()
            if statement:
                statements.append(statement)
            buf = []
            i += 1
            continue
        buf.append(ch)
        i += 1
    statement = "".join(buf).strip()
    if statement:
        statements.append(statement)
    return statements


def _statement_table(statement: str) -> str | None:
    patterns = (
        r"^CREATE TABLE (\w+)",
        r"^CREATE (?:UNIQUE )?INDEX \w+ ON (\w+)",
        r"^CREATE SEQUENCE \w+ OWNED BY (\w+)\.",
    )
    for pattern in patterns:
        match = re.match(pattern, statement, re.IGNORECASE)
        if match:
            return match.group(1).lower()
    return None


def core_statements_for_new_tables() -> list[str]:
    """Revision 0001's statements that a legacy database lacks: new tables and their indexes.

    The legacy tables' own statements are left out (they are converged on step by step); the
    ticket number sequence is kept (it is new, owned by a legacy table's column).
    """
    out = []
    for statement in split_sql(revision_sql("0001_core_schema")):
        table = _statement_table(statement)
        if statement.upper().startswith("CREATE SEQUENCE") or table not in LEGACY_TABLES:
            out.append(statement)
    return out


def new_core_tables() -> list[str]:
    """The tables revision 0001 creates that a legacy database lacks, in creation order."""
    out = []
    for statement in core_statements_for_new_tables():
        match = re.match(r"^CREATE TABLE (\w+)", statement, re.IGNORECASE)
        if match:
            out.append(match.group(1).lower())
    return out


def _balanced(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    raise ValueError("unbalanced parentheses in revision SQL")


def target_checks(table: str) -> list[tuple[str, str]]:
    """(name, `CHECK (...)`) of a legacy table's CHECK constraints in revision 0001."""
    out = []
    for statement in split_sql(revision_sql("0001_core_schema")):
        if _statement_table(statement) != table or not statement.upper().startswith("CREATE TABLE"):
            continue
        for match in re.finditer(r"CONSTRAINT (ck_\w+) CHECK\s*", statement):
            out.append((match.group(1), "CHECK " + _balanced(statement, match.end())))
    return out


def target_indexes(table: str) -> list[tuple[str, str]]:
    """(name, `CREATE INDEX ...`) of a legacy table's indexes in revision 0001.

    Service tickets' `customer_id` is the new uuid column, called `customer_ref` until finalize
    renames it; an index follows its column through a rename, so the names stay right.
    """
    out = []
    for statement in split_sql(revision_sql("0001_core_schema")):
        match = re.match(r"^CREATE INDEX (\w+) ON (\w+)", statement)
        if not match or match.group(2) != table:
            continue
        text = " ".join(statement.split())
        if table == "service_tickets":
            text = re.sub(r"\bcustomer_id\b", TICKET_REF, text)
        out.append((match.group(1), text))
    return out
