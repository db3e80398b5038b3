"""squawk over every DDL statement of the legacy migration, one file per phase.

`python -m clientele.legacy.lint` (what `.ci/squawk` runs) writes the statements of each
phase to a temporary directory, runs `squawk` on each with the exclusions below, and exits
non-zero on any warning. The expand phase (migrate) is linted with one exclusion; the contract
and undo phases exclude the rules about dropping and renaming, which is what they are for.
"""

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from clientele.legacy import ddl
from clientele.legacy.finalize import contract_steps
from clientele.legacy.rollback import rollback_steps

# Why each rule is excluded (per phase). Everything else squawk checks stays on.
EXCLUDES: dict[str, dict[str, str]] = {
    "migrate": {
        "prefer-robust-stmts": "ADD CONSTRAINT has no IF NOT EXISTS; every step is guarded by "
        "a catalog query instead (ddl.Step.guard), so a re-run skips what is done",
    },
    "finalize": {
        "prefer-robust-stmts": "guarded by catalog queries, as in migrate",
        "ban-drop-column": "the contract step: the legacy columns are dropped once the old "
        "application is retired (runbook), after their values are archived",
        "ban-drop-constraint": "the interim NOT NULL check, once SET NOT NULL replaced it",
        "ban-drop-function": "the transition triggers' functions, no longer used",
        "renaming-column": "customer_ref takes the name customer_id once the old column is gone",
        "renaming-object": "legacy constraint names become the target's",
        "prefer-text-field": "VARCHAR(200) is the target type of created_by (revision 0001)",
        "adding-field-with-default": "DEFAULT current_user / now() are STABLE: no rewrite on "
        "PostgreSQL 11+ (squawk cannot tell them from volatile functions)",
    },
    "rollback": {
        "ban-drop-column": "removes only the columns migrate added; the old application "
        "never used them",
        "ban-drop-constraint": "removes only the constraints migrate added",
        "ban-drop-sequence": "removes only the sequence migrate added",
    },
}
HEADER = "SET lock_timeout = '500ms';\nSET statement_timeout = '60s';\n\n"


def statements_for_lint() -> Iterator[tuple[str, str]]:
    """(phase, statement) for every DDL statement the tool runs on live tables (for squawk)."""
    for step in [*ddl.expand_steps(), ddl.sweep_index_step(), ddl.drop_sweep_index_step(),
                 *ddl.after_backfill_steps()]:  # fmt: skip
        yield "migrate", step.sql
    contract = contract_steps(
        unique_name="service_tickets_ticket_number_key",
        equipment_fk_name="service_tickets_equipment_id_fkey",
    )
    for step in contract:
        yield "finalize", step.sql
    for step in rollback_steps():
        yield "rollback", step.sql


def write_phase_files(directory: Path) -> dict[str, Path]:
    """One SQL file per phase, with the session timeouts the tool sets."""
    files: dict[str, list[str]] = {phase: [] for phase in EXCLUDES}
    for phase, statement in statements_for_lint():
        files[phase].append(statement + ";\n")
    out = {}
    for phase, statements in files.items():
        path = directory / f"legacy_{phase}.sql"
        path.write_text(HEADER + "\n".join(statements), encoding="utf-8")
        out[phase] = path
    return out


def squawk_executable() -> str:
    """The squawk binary installed with the dev extras (next to this Python), or on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    if beside.exists():
        return str(beside)
    found = shutil.which("squawk")
    if found is None:
        raise FileNotFoundError("squawk not found: pip install squawk-cli (dev extras)")
    return found


def run() -> int:
    """Lint every phase; 0 when squawk has nothing to say."""
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        for phase, path in write_phase_files(Path(tmp)).items():
            excludes = ",".join(EXCLUDES[phase])
            result = subprocess.run(  # noqa: S603 - our own file and the installed squawk
                [squawk_executable(), "--pg-version=15", f"--exclude={excludes}", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            print(f"squawk {phase}: {'ok' if result.returncode == 0 else 'FAILED'}")
            if result.returncode != 0:
                print(result.stdout, result.stderr)
                status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(run())
