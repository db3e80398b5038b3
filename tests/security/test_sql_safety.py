"""SQL is built with bound parameters only: string-built SQL fails this test unless it is on
the allowlist below, each entry with the reason it is safe."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "clientele"
SQL_CALLS = {"text", "execute", "exec_driver_sql", "executemany", "copy"}

# (file relative to src/clientele, enclosing function or "<module>"): why it is safe.
ALLOWLIST: dict[tuple[str, str], str] = {
    # Database names in CREATE/DROP DATABASE cannot be parameters; ours are constants or
    # `clientele_bench_<int>`, double-quoted.
    ("db.py", "start_embedded_server"): "database name is our constant",
    ("bench/runner.py", "prepare_database"): "database name is <[a-z0-9_] prefix>_bench_<int>",
    ("bench/runner.py", "drop_database"): "database name is <[a-z0-9_] prefix>_bench_<int>",
    # COPY column lists are module constants (COPY takes no parameters for identifiers); the
    # rows go through psycopg's COPY protocol, never into the SQL text.
    ("bench/data.py", "load"): "COPY column list from module constants",
    ("demo/legacy_data.py", "load"): "COPY column list from module constants",
    ("demo/load.py", "_copy"): "COPY table/columns passed by the loader's own code, not input",
    # SET cannot take parameters: the values are int() of our settings, or a constant label.
    ("legacy/ddl.py", "_set_timeouts"): "SET with int() values",
    ("legacy/pacing.py", "backfill_transaction"): "SET LOCAL with the module's ACTOR constant",
    ("legacy/migrate.py", "ensure_new_tables"): "SET LOCAL with an int setting",
    ("migrations/env.py", "run_migrations_online"): "SET with constant timeouts",
    # Identifiers (index, table and column names) from the legacy module's constants; every
    # value is a bound %s parameter.
    ("legacy/ddl.py", "_drop_invalid_index"): "index name from ddl constants",
    ("legacy/finalize.py", "_walk"): "table name from the finalize step list",
    ("legacy/state.py", "get_state"): "ddl.STATE_TABLE constant",
    ("legacy/state.py", "set_state"): "ddl.STATE_TABLE constant",
    ("legacy/linking.py", "run"): "ddl.TICKET_REF constant",
    ("legacy/linking.py", "_link"): "ddl.TICKET_REF constant",
    ("legacy/linking.py", "sweep_unlinked"): "ddl.TICKET_REF constant",
    ("legacy/rollback.py", "_drop_new_tables"): "table names from ddl constants",
    # Merges: table/column identifiers from the module's constant MOVED_TABLES,
    # FILLABLE_FIELDS, RESTORED_COLUMNS and MATCH_COLUMNS; every value is a bound :param.
    ("duplicates/repository.py", "stream_customers"): "MATCH_COLUMNS constant",
    ("duplicates/repository.py", "online_candidates"): "constant branches, values bound",
    ("duplicates/merge_repository.py", "move_rows"): "MOVED_TABLES constant",
    ("duplicates/merge_repository.py", "_write_customer_columns"): (
        "columns filtered to FILLABLE_FIELDS / RESTORED_COLUMNS"
    ),
    ("duplicates/merge_repository.py", "get_merge"): "MOVED_TABLES constant",
    ("duplicates/merge_repository.py", "moves_not_in_place"): "MOVED_TABLES constant",
    ("duplicates/merge_repository.py", "lock_moved_rows"): "MOVED_TABLES constant",
    ("duplicates/merge_repository.py", "move_rows_back"): "MOVED_TABLES constant",
    ("duplicates/merge_repository.py", "count_dependents"): "MOVED_TABLES constant",
    # The repair's recount: module-level SQL constants composed of other constants.
    ("reports/repair_repository.py", "counter_drift"): "module SQL constants, no input",
    # Change events and webhooks (issue 17): column lists are module constants; the feed's type
    # filter is a constant fragment whose types are bound; LISTEN takes no parameter.
    ("events/repository.py", "read_feed"): "EVENT_COLUMNS constant, constant filter fragment",
    ("events/wakeup.py", "_listen"): "LISTEN on the module's CHANNEL constant",
    ("webhooks/repository.py", "add_endpoint"): "ENDPOINT_COLUMNS constant",
    ("webhooks/repository.py", "list_endpoints"): "ENDPOINT_COLUMNS constant",
    ("webhooks/repository.py", "get_endpoint"): "ENDPOINT_COLUMNS constant",
    ("webhooks/repository.py", "list_deliveries"): "DELIVERY_COLUMNS constant",
    ("webhooks/repository.py", "replay_delivery"): "DELIVERY_COLUMNS constant",
    ("webhooks/repository.py", "claim"): "EVENT_COLUMNS constant",
}
# Migration revisions: DDL only, built from constants in the same file; no request data reaches
# them. Listed by directory because each revision is reviewed as a whole.
ALLOWED_DIRECTORIES = ("migrations/versions/",)


def _is_string_built(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(value, ast.FormattedValue) for value in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _has_string(node.left) or _has_string(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join") and _has_string(node.func.value)
    return False


def _has_string(node: ast.AST) -> bool:
    return any(
        (isinstance(child, ast.Constant) and isinstance(child.value, str))
        or isinstance(child, ast.JoinedStr)
        for child in ast.walk(node)
    )


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _findings(path: Path) -> list[tuple[str, str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    relative = path.relative_to(SRC).as_posix()
    # Names assigned string-built values anywhere in the module (e.g. sql = f"...").
    built_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _is_string_built(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    parents: dict[ast.AST, ast.AST] = {
        child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
    }
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _callee(node) in SQL_CALLS and node.args):
            continue
        first = node.args[0]
        if _is_string_built(first) or (isinstance(first, ast.Name) and first.id in built_names):
            scope, up = "<module>", parents.get(node)
            while up is not None:
                if isinstance(up, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    scope = up.name
                    break
                up = parents.get(up)
            found.append((relative, scope, node.lineno))
    return found


def test_no_sql_is_built_from_strings_outside_the_allowlist():
    findings = [
        finding
        for path in sorted(SRC.rglob("*.py"))
        for finding in _findings(path)
        if not finding[0].startswith(ALLOWED_DIRECTORIES)
        and (finding[0], finding[1]) not in ALLOWLIST
    ]
    assert findings == [], "string-built SQL; use bound parameters, or allowlist with a reason"


def test_the_checker_catches_the_usual_ways_of_building_sql(tmp_path):
    samples = [
        "conn.execute(text(f\"SELECT * FROM customers WHERE name = '{name}'\"))",
        'conn.execute("SELECT * FROM t WHERE a = %s" % value)',
        'conn.execute(text("SELECT * FROM t WHERE a = " + value))',
        'sql = "SELECT {}".format(x)\nconn.execute(text(sql))',
    ]
    for sample in samples:
        tree = ast.parse(sample)
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _callee(n) in SQL_CALLS]
        names = {
            t.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign) and _is_string_built(n.value)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        assert any(
            _is_string_built(c.args[0])
            or (isinstance(c.args[0], ast.Name) and c.args[0].id in names)
            for c in calls
            if c.args
        ), sample
    safe = 'conn.execute(text("SELECT * FROM t WHERE a = :a"), {"a": value})'
    call = next(n for n in ast.walk(ast.parse(safe)) if isinstance(n, ast.Call))
    assert not _is_string_built(call.args[0])
