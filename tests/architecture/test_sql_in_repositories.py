"""SQL lives in repositories: no module outside one imports SQLAlchemy's statement builders
(`text`, `select`, `insert`, `func`, ...) or the table objects of `clientele.tables` (whose
`.insert()` / `.update()` build statements too).

A repository is a module named `repository.py` or `<what>_repository.py` (a feature with two
repositories, e.g. duplicates' merge_repository.py), or any module of a `repository/` package.
Besides them, three kinds of module may hold SQL, each for a reason written here:
- `tables.py` defines the tables (the schema as SQLAlchemy sees it);
- migration revisions (`migrations/`) carry the SQL of their time by design: a revision must
  keep producing the same schema when today's repositories have changed;
- the modules in EXEMPT below, each with its reason.
The rule reads imports, late ones included; modules that run SQL through psycopg directly
(the legacy migration, the demo and benchmark loaders' COPY) are outside its reach and are
covered by tests/security/test_sql_safety.py instead.
"""

import ast
from pathlib import Path

import clientele

SRC = Path(clientele.__file__).parent

# Names of `sqlalchemy` (and its submodules) that build or run statements.
STATEMENT_BUILDERS = {
    "text", "select", "insert", "update", "delete", "func", "literal", "literal_column",
    "column", "table", "exists", "union", "union_all", "and_", "or_", "not_", "case", "cast",
    "bindparam", "tuple_", "values", "null", "true", "false", "lateral", "join", "outerjoin",
    "distinct", "any_", "all_", "over",
}  # fmt: skip

# Path relative to src/clientele -> why it may hold SQL.
EXEMPT: dict[str, str] = {
    "bench/bare.py": (
        "the raw-SQL floor of the benchmarks: a bare app running the API's primary-key query "
        "with no repository, unit of work or schema, so the ratio to the API's throughput is "
        "what those layers cost; going through the repository would measure them again"
    ),
}


def _is_repository(relative: Path) -> bool:
    return relative.name.endswith("repository.py") or "repository" in relative.parts[:-1]


def _allowed(relative: Path) -> bool:
    return (
        _is_repository(relative)
        or relative.as_posix() == "tables.py"
        or relative.parts[0] == "migrations"
        or relative.as_posix() in EXEMPT
    )


def data_access_imports(path: Path) -> list[str]:
    """The imports of `path` that give it SQL: statement builders or table objects."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sqlalchemy" or alias.name == "clientele.tables":
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            names = {alias.name for alias in node.names}
            if module == "sqlalchemy" or module.startswith("sqlalchemy."):
                for name in sorted(names & STATEMENT_BUILDERS):
                    found.append(f"line {node.lineno}: from {module} import {name}")
            elif module == "clientele.tables" or (module == "clientele" and "tables" in names):
                found.append(f"line {node.lineno}: from {module} import {', '.join(names)}")
    return found


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_no_module_outside_a_repository_imports_sql_builders_or_tables() -> None:
    offenders = {
        path.relative_to(SRC).as_posix(): imports
        for path in _modules()
        if not _allowed(path.relative_to(SRC)) and (imports := data_access_imports(path))
    }
    assert offenders == {}, "move these statements into a repository module"


def test_every_exemption_still_names_a_module_that_needs_it() -> None:
    stale = [
        name for name in EXEMPT if not (SRC / name).exists() or not data_access_imports(SRC / name)
    ]
    assert stale == [], "these modules no longer hold SQL: remove them from EXEMPT"


def test_the_rule_sees_builders_tables_and_late_imports(tmp_path: Path) -> None:
    module = tmp_path / "service.py"
    module.write_text(
        "from sqlalchemy import event, select\n"
        "from sqlalchemy.ext.asyncio import AsyncConnection\n"
        "from clientele.tables import customers\n"
        "def later():\n"
        "    from sqlalchemy.dialects.postgresql import insert\n"
        "    import sqlalchemy\n"
    )
    assert data_access_imports(module) == [
        "line 1: from sqlalchemy import select",
        "line 3: from clientele.tables import customers",
        "line 5: from sqlalchemy.dialects.postgresql import insert",
        "line 6: import sqlalchemy",
    ]
    assert _is_repository(Path("privacy/repository/erase.py"))
    assert _is_repository(Path("duplicates/merge_repository.py"))
    assert not _is_repository(Path("privacy/service.py"))
