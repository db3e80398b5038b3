"""Text of released revisions that a later revision revises or restores (no copied SQL).

A revision that replaces a function takes the earlier revision's own text and states only what
it changes, so the two cannot drift apart and the change reads as a diff. Each expected text
must stand exactly once, so an edit of the earlier revision fails loudly instead of silently
producing other SQL.
"""

import importlib


def revision_text(module: str, name: str = "UPGRADE") -> str:
    """The SQL text constant `name` of revision module `module` (e.g. `0008_report_counters`)."""
    value = getattr(importlib.import_module(f"clientele.migrations.versions.{module}"), name)
    if not isinstance(value, str):
        raise TypeError(f"{module}.{name} is not SQL text")
    return value


def function_sql(text: str, name: str, end: str = "$$") -> str:
    """The `CREATE FUNCTION name(` statement in `text`, made CREATE OR REPLACE.

    `end` is the dollar quote closing the function's body.
    """
    start = _once(text, f"CREATE FUNCTION {name}(")
    stop = text.index(f"\n{end};\n", start) + len(f"\n{end};")
    return text[start:stop].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def revised(sql: str, *changes: tuple[str, str]) -> str:
    """`sql` with each (old, new) text replaced; each old text must stand there exactly once."""
    for old, new in changes:
        _once(sql, old)
        sql = sql.replace(old, new)
    return sql


def _once(text: str, part: str) -> int:
    if text.count(part) != 1:
        raise RuntimeError(f"expected exactly once in a revision's text: {part!r}")
    return text.index(part)
